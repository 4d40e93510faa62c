/** @module webhooks — receiving Groups webhooks: the handshake, the signature, typed events. */
export { answerChallenge, signBody, verifySignature } from './signature.js';
export * from './events.js';

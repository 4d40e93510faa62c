/** @module domain/businesses — minting a sandbox business: the ids Meta would have given it, and its app. */
import type { NewBusiness } from './records.js';
import { displayPhoneNumber, newAppSecret, newBusinessPhoneDigits, newNodeId } from './ids.js';

export function mintBusiness(name: string, now: number): NewBusiness {
  const phoneDigits = newBusinessPhoneDigits();
  return {
    wabaId: newNodeId(),
    phoneNumberId: newNodeId(),
    phoneDigits,
    displayPhoneNumber: displayPhoneNumber(phoneDigits),
    appId: newNodeId(),
    appSecret: newAppSecret(),
    name,
    createdAt: now,
  };
}

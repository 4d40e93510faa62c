/**
 * @module server/simulated-conditions — the states a test puts businesses and simulated users in through the
 * control API (domain/conditions.ts has their rules): eligibility and paused creation per business, failures armed
 * for a business's next asynchronous operations, users who have not accepted WhatsApp's terms. Held in this
 * instance's memory, not the store (docs/decisions.md): they are test switches, emptied by `POST /_groupgate/reset`.
 * A business with none set costs a Map lookup per call that asks.
 */
import {
  DEFAULT_CONDITIONS,
  type ArmedFailure,
  type AsyncOperation,
  type BusinessConditions,
} from '../domain/conditions.js';

export class SimulatedConditions {
  readonly #businesses = new Map<number, BusinessConditions>();
  readonly #failures = new Map<number, ArmedFailure[]>();
  readonly #termsNotAccepted = new Set<string>();

  of(businessPk: number): Readonly<BusinessConditions> {
    return this.#businesses.get(businessPk) ?? DEFAULT_CONDITIONS;
  }

  set(businessPk: number, change: Partial<BusinessConditions>): BusinessConditions {
    const next = { ...this.of(businessPk), ...change };
    this.#businesses.set(businessPk, next);
    return next;
  }

  /** Queues a failure for the business's next call of its operation. */
  arm(businessPk: number, failure: ArmedFailure): void {
    const armed = this.#failures.get(businessPk) ?? [];
    armed.push(failure);
    this.#failures.set(businessPk, armed);
  }

  armed(businessPk: number): readonly ArmedFailure[] {
    return this.#failures.get(businessPk) ?? [];
  }

  disarm(businessPk: number): void {
    this.#failures.delete(businessPk);
  }

  /** The oldest failure armed for this operation, taken: each fails exactly one call. */
  take(businessPk: number, operation: AsyncOperation): ArmedFailure | undefined {
    const armed = this.#failures.get(businessPk);
    if (armed === undefined) return undefined;
    const index = armed.findIndex((failure) => failure.operation === operation);
    if (index < 0) return undefined;
    const [failure] = armed.splice(index, 1);
    if (armed.length === 0) this.#failures.delete(businessPk);
    return failure;
  }

  setTermsAccepted(waId: string, accepted: boolean): void {
    if (accepted) this.#termsNotAccepted.delete(waId);
    else this.#termsNotAccepted.add(waId);
  }

  termsAccepted(waId: string): boolean {
    return !this.#termsNotAccepted.has(waId);
  }

  /** Undefined while every user has accepted: approvals then pay nothing for this. */
  get termsNotAccepted(): ReadonlySet<string> | undefined {
    return this.#termsNotAccepted.size === 0 ? undefined : this.#termsNotAccepted;
  }

  /**
   * Drops what was set for a business that is gone (deleted, or replaced by a state import): the store may give its
   * key to the next business made, which must start with the defaults.
   */
  forget(businessPk: number): void {
    this.#businesses.delete(businessPk);
    this.#failures.delete(businessPk);
  }

  /** Drops every business's conditions and failures (a whole state import); the users' terms stay. */
  forgetBusinesses(): void {
    this.#businesses.clear();
    this.#failures.clear();
  }

  reset(): void {
    this.#businesses.clear();
    this.#failures.clear();
    this.#termsNotAccepted.clear();
  }
}

import type { ExposureSnapshot } from './risk.types';

/**
 * Where the risk status reads execution's current exposure. Risk defines the port and execution provides it
 * (its live picture), so neither pushes a callback into the other and the modules stay acyclic. An abstract class
 * rather than an interface so it can serve as the dependency-injection token.
 */
export abstract class ExposureSource {
  abstract exposure(): ExposureSnapshot;
}

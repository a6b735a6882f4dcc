import { decideOnClaim, isReplayableStatus } from './idempotency-record';

describe(decideOnClaim.name, () => {
  it('should proceed when the key was claimed', () => {
    expect(decideOnClaim({ state: 'claimed' }, 'h1')).toEqual({ action: 'proceed' });
  });

  it('should replay the stored answer when the same request finished before', () => {
    const done = { state: 'done', requestHash: 'h1', statusCode: 201, result: { id: 7 } } as const;

    expect(decideOnClaim(done, 'h1')).toEqual({ action: 'replay', statusCode: 201, result: { id: 7 } });
  });

  it('should refuse while the same request is still running', () => {
    expect(decideOnClaim({ state: 'in-progress', requestHash: 'h1' }, 'h1')).toEqual({ action: 'reject-in-progress' });
  });

  it('should refuse another request under the key, finished or not', () => {
    expect(decideOnClaim({ state: 'in-progress', requestHash: 'h1' }, 'h2')).toEqual({ action: 'reject-reused' });
    expect(decideOnClaim({ state: 'done', requestHash: 'h1', statusCode: 200, result: null }, 'h2')).toEqual({
      action: 'reject-reused',
    });
  });
});

describe(isReplayableStatus.name, () => {
  it('should keep successes and deterministic client errors', () => {
    for (const status of [200, 201, 204, 400, 403, 404, 422])
      expect({ status, replayable: isReplayableStatus(status) }).toEqual({ status, replayable: true });
  });

  it('should not keep server errors or answers that ask the client to retry', () => {
    for (const status of [408, 409, 425, 429, 500, 502, 503])
      expect({ status, replayable: isReplayableStatus(status) }).toEqual({ status, replayable: false });
  });
});

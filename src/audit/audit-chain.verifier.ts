/** Why a link of the audit hash chain is broken. */
export type AuditChainBreak =
  /** The row's content (or its own stored hash) changed after it was written. */
  | 'ROW_HASH_MISMATCH'
  /** The row does not point at the row before it: that one was replaced, or rows were re-ordered. */
  | 'PREV_HASH_MISMATCH'
  /** Rows are missing before this one (chain_seq jumps). */
  | 'SEQUENCE_GAP'
  /** The newest rows are gone, or the head was moved: the head does not match the last row. */
  | 'HEAD_MISMATCH';

export interface AuditChainReport {
  readonly ok: boolean;
  /** Rows examined (the whole table). */
  readonly rows: number;
  /** The head as the database keeps it; record it elsewhere to detect a rewrite of the whole chain later. */
  readonly head: { readonly seq: string; readonly hash: string };
  /** The first broken link in chain order, or null when the chain is intact. */
  readonly firstBroken: {
    readonly seq: string;
    readonly id: string | null;
    readonly reason: AuditChainBreak;
  } | null;
}

/**
 * Runs one SQL statement and returns its rows, always on the SAME connection (a TypeORM QueryRunner's query, not
 * the pooled DataSource.query), because the check runs in one read-only transaction.
 */
export type SqlQuery = (sql: string, parameters?: unknown[]) => Promise<Array<Record<string, unknown>>>;

/*
 * The rows are re-hashed by the same SQL function the insert trigger uses (migration 1764000000700), in one
 * statement that returns only the first bad link: the table is scanned once in the database, nothing is
 * streamed to the client.
 */
const FIRST_BROKEN_LINK = `
  WITH chain AS (
    SELECT a.id, a.chain_seq, a.prev_hash, a.row_hash, audit_logs_row_hash(a) AS expected,
           lag(a.chain_seq) OVER w AS before_seq, lag(a.row_hash) OVER w AS before_hash
    FROM audit_logs a
    WINDOW w AS (ORDER BY a.chain_seq)
  )
  SELECT id::text AS id, chain_seq::text AS seq,
         CASE
           WHEN chain_seq <> coalesce(before_seq, 0) + 1 THEN 'SEQUENCE_GAP'
           WHEN prev_hash IS DISTINCT FROM coalesce(before_hash, decode(repeat('00', 32), 'hex')) THEN 'PREV_HASH_MISMATCH'
           ELSE 'ROW_HASH_MISMATCH'
         END AS reason
  FROM chain
  WHERE chain_seq <> coalesce(before_seq, 0) + 1
     OR prev_hash IS DISTINCT FROM coalesce(before_hash, decode(repeat('00', 32), 'hex'))
     OR row_hash IS DISTINCT FROM expected
  ORDER BY chain_seq
  LIMIT 1`;

const TAIL = `
  SELECT h.seq::text AS head_seq, encode(h.hash, 'hex') AS head_hash,
         (SELECT count(*) FROM audit_logs)::text AS rows,
         last.chain_seq::text AS last_seq, encode(last.row_hash, 'hex') AS last_hash
  FROM audit_chain_head h
  LEFT JOIN LATERAL (SELECT chain_seq, row_hash FROM audit_logs ORDER BY chain_seq DESC LIMIT 1) last ON true
  WHERE h.singleton`;

const GENESIS_HEX = '00'.repeat(32);

/** Checks the whole audit chain and names its first broken link (in chain order). Read-only. */
export async function verifyAuditChain(query: SqlQuery): Promise<AuditChainReport> {
  // One snapshot for both statements, so rows inserted meanwhile cannot look like a head mismatch.
  await query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const [broken] = await query(FIRST_BROKEN_LINK);
    const [tail] = await query(TAIL);
    await query('COMMIT');
    const head = { seq: String(tail.head_seq), hash: String(tail.head_hash) };
    const rows = Number(tail.rows);
    if (broken) {
      const firstBroken = { seq: String(broken.seq), id: String(broken.id), reason: broken.reason as AuditChainBreak };
      return { ok: false, rows, head, firstBroken };
    }
    const lastSeq = tail.last_seq === null ? '0' : String(tail.last_seq);
    const lastHash = tail.last_hash === null ? GENESIS_HEX : String(tail.last_hash);
    if (lastSeq !== head.seq || lastHash !== head.hash) {
      return { ok: false, rows, head, firstBroken: { seq: head.seq, id: null, reason: 'HEAD_MISMATCH' } };
    }
    return { ok: true, rows, head, firstBroken: null };
  } catch (error) {
    await query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

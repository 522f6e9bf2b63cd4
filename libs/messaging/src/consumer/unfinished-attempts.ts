import type { Logger } from 'pino';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lone attempts at an overdue event (delivered more than maxDeliver times) that never finished.
 *
 * Why: an event whose processing kills the process (out of memory, a native crash, an exception
 * thrown where nothing catches it) settles nothing, so JetStream redelivers it after ack_wait and
 * the next replica to take it dies too: every replica of the service crash-loops for ever on one
 * event. Counting deliveries cannot tell that apart from a database outage (whose naks must never
 * dead-letter anything), and memory dies with the process; so each lone attempt is recorded and
 * committed *before* it starts and removed when it ends, whatever its outcome. A row that is still
 * there at the next attempt is an attempt the process did not survive.
 */
export class UnfinishedAttempts {
  /**
   * Events whose last lone attempt in this process ended but whose row could not be removed (the
   * database failed with it): the next attempt here must not count that one as unfinished.
   */
  private readonly endedHere = new Set<string>();

  constructor(
    private readonly db: DataSource,
    private readonly consumer: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Records that a lone attempt at the event starts now; resolves with how many earlier attempts
   * never finished. Rejects when the database cannot record it (then nothing may be attempted).
   */
  async begin(eventId: string): Promise<number> {
    const ended = this.endedHere.delete(eventId);
    const [row] = (await this.db.query(
      `INSERT INTO inbox_attempts (consumer, event_id, unfinished) VALUES ($1, $2, 1)
       ON CONFLICT (consumer, event_id) DO UPDATE SET unfinished = inbox_attempts.unfinished + $3, last_at = now()
       RETURNING unfinished`,
      [this.consumer, eventId, ended ? 0 : 1],
    )) as { unfinished: number }[];
    return row.unfinished - 1;
  }

  /** The attempt ended (applied, failed, dead-lettered): it was survived. */
  async end(eventId: string): Promise<void> {
    try {
      await this.db.query(`DELETE FROM inbox_attempts WHERE consumer = $1 AND event_id = $2`, [this.consumer, eventId]);
    } catch (err) {
      this.endedHere.add(eventId);
      this.logger.warn({ eventId, err: (err as Error).message }, 'could not clear the record of a finished attempt; this process will not count it');
    }
  }
}

/** The attempts table as a migration, for every app that runs durable consumers. */
export class MessagingInboxAttempts1765500000000 implements MigrationInterface {
  name = 'MessagingInboxAttempts1765500000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inbox_attempts (
        consumer   text NOT NULL,
        event_id   uuid NOT NULL,
        unfinished integer NOT NULL,
        first_at   timestamptz NOT NULL DEFAULT now(),
        last_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS inbox_attempts`);
  }
}

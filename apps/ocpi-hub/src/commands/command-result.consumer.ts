import { Injectable, OnModuleInit } from '@nestjs/common';
import { Streams, Subjects } from '@cpo/contracts';
import { ConsumerHost } from '@cpo/messaging';
import { PartnersRepository } from '../partners/partners.repository.js';
import type { CommandRecord } from './commands.repository.js';
import { CommandsService } from './commands.service.js';
import { OwnCommandsService } from './own-commands.service.js';

/** `ocpi.command.result` (ocpp → hub): stored, then relayed to the eMSP's original response_url. */
@Injectable()
export class CommandResultConsumer implements OnModuleInit {
  private readonly pending = new Map<string, { record: CommandRecord; body: Record<string, unknown> }>();

  constructor(
    private readonly consumers: ConsumerHost,
    private readonly own: OwnCommandsService,
    private readonly commands: CommandsService,
    private readonly partners: PartnersRepository,
  ) {}

  onModuleInit(): void {
    this.consumers.register<typeof Subjects.OcpiCommandResult>({
      durable: 'ocpi-hub-command-results',
      stream: Streams.OCPI,
      filterSubject: Subjects.OcpiCommandResult,
      handler: async (event, tx) => {
        const applied = await this.own.applyResult(tx, event.payload, async (id) => (await this.partners.findConnection(id))?.version ?? undefined);
        if (applied) this.pending.set(event.id, applied);
        else this.pending.delete(event.id);
      },
      afterCommit: (events) => {
        for (const e of events) {
          const job = this.pending.get(e.id);
          this.pending.delete(e.id);
          if (job) this.commands.relayInBackground(job.record, job.body);
        }
      },
    });
  }
}

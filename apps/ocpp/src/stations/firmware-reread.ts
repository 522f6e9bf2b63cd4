import { Injectable } from '@nestjs/common';
import type { StationContext } from '../connection/station-context.js';
import { deferred } from '../persistence/deferred-work.js';
import { Onboarding } from './onboarding.js';

/**
 * The configuration of a firmware reported installed after the station rebooted into it (OCPP 1.6's
 * order: Installing, reboot, BootNotification, Installed; `StationService.uploadStatus` tells): read
 * on that connection once the notification is answered, since a CALL of ours must not hold up the
 * answer. For FirmwareStatusNotification and SignedFirmwareStatusNotification alike.
 */
@Injectable()
export class FirmwareReread {
  private readonly due = new WeakSet<StationContext>();

  constructor(private readonly onboarding: Onboarding) {}

  /** In the notification's handler, with what `uploadStatus` returned. */
  mark(ctx: StationContext, readConfiguration: boolean): void {
    if (readConfiguration) this.due.add(ctx);
  }

  /** The notification's after-answer step: deferred work, like the reads after a boot. */
  async after(ctx: StationContext): Promise<void> {
    if (this.due.delete(ctx)) await deferred(() => this.onboarding.readDue(ctx));
  }
}

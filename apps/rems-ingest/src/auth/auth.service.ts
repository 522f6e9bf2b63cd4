import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { RefreshTokenRequest, SignInRequest, TokenPair } from '@cpo/rems-protocol';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { CLOCK, type Clock } from '../common/clock.js';
import type { RemsIngestConfig } from '../config.js';
import { remsError } from '../device-api/rems-errors.js';
import { TransceiverRepository, type TransceiverRow } from '../transceivers/transceiver.repository.js';
import { verifyPassword } from './password.js';
import { RefreshTokenRepository } from './refresh-token.repository.js';
import { TokenService, type DeviceIdentity } from './token.service.js';

/** Sign-in, refresh-token rotation and the access-token check of every device call (§5). */
@Injectable()
export class AuthService {
  private readonly graceMs: number;
  private readonly logger: Logger;

  constructor(
    private readonly db: DataSource,
    private readonly transceivers: TransceiverRepository,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly tokens: TokenService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) config: RemsIngestConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.graceMs = config.REMS_REFRESH_GRACE_SECONDS * 1000;
    this.logger = root.child({ component: 'device-auth' });
  }

  async signIn(request: SignInRequest): Promise<TokenPair> {
    const device = await this.transceivers.findBySerial(request.tenantAlias, request.serialId);
    // One answer for unknown device, inactive device and wrong password: nothing to probe.
    const ok = device?.status === 'ACTIVE' && device.passwordHash !== null && (await verifyPassword(device.passwordHash, request.password));
    if (!device || !ok) throw remsError('INVALID_CREDENTIALS', 'serialId, password or tenantAlias is wrong');
    return this.db.transaction((tx) => this.issue(tx, device));
  }

  /**
   * Rotates the refresh token. The previous one stays usable for the grace period in case the
   * device lost our answer; after that, or once revoked, it is refused.
   */
  async refresh(request: RefreshTokenRequest): Promise<TokenPair> {
    const now = this.clock.now();
    const claims = await this.tokens.verifyRefresh(request.refreshToken, now);
    if (claims.tenantAlias !== request.tenantAlias) throw remsError('INVALID_REFRESH_TOKEN', 'refresh token belongs to another tenant');
    return this.db.transaction(async (tx) => {
      const stored = await this.refreshTokens.lock(tx, claims.jti);
      const device = await this.transceivers.findById(claims.transceiverId, tx);
      const invalid =
        !stored ||
        stored.revokedAt !== null ||
        (stored.rotatedAt !== null && now.getTime() - stored.rotatedAt.getTime() > this.graceMs) ||
        !device ||
        device.status !== 'ACTIVE' ||
        device.generation !== claims.generation;
      if (invalid) throw remsError('INVALID_REFRESH_TOKEN', 'refresh token was revoked or already used; sign in again');
      if (stored.rotatedAt !== null) this.logger.info({ transceiverId: device.transceiverId }, 'rotated refresh token reused within the grace period');
      await this.refreshTokens.markRotated(tx, stored.jti, now);
      return this.issue(tx, device);
    });
  }

  /** Checks an access token against the signature, the clock and the device's current generation and status. */
  async authenticate(accessToken: string): Promise<DeviceIdentity> {
    const claims = await this.tokens.verifyAccess(accessToken, this.clock.now());
    const device = await this.transceivers.findById(claims.transceiverId);
    if (!device || device.tenantAlias !== claims.tenantAlias) throw remsError('UNAUTHORIZED', 'invalid access token');
    // A reset device gets DEVICE_INACTIVE (§13); once registered again, its old tokens are plainly revoked.
    if (device.status !== 'ACTIVE') throw remsError('DEVICE_INACTIVE', 'device is not registered (reset); register it again');
    if (device.generation !== claims.generation) throw remsError('UNAUTHORIZED', 'access token was revoked by a reset');
    return { transceiverId: device.transceiverId, tenantAlias: device.tenantAlias, serialId: device.serialId, generation: device.generation };
  }

  /** Revokes every refresh token of a device (its generation bump already kills the access tokens). */
  revokeAll(tx: EntityManager, transceiverId: string): Promise<void> {
    return this.refreshTokens.revokeAll(tx, transceiverId, this.clock.now());
  }

  private async issue(tx: EntityManager, device: TransceiverRow): Promise<TokenPair> {
    const identity = { transceiverId: device.transceiverId, tenantAlias: device.tenantAlias, serialId: device.serialId, generation: device.generation };
    const issued = await this.tokens.issue(identity, this.clock.now());
    await this.refreshTokens.insert(tx, { jti: issued.refreshJti, transceiverId: device.transceiverId, generation: device.generation, expiresAt: issued.refreshExpiresAt });
    return issued.pair;
  }
}

import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ACCESS_TOKEN_LIFETIME_MS, REFRESH_TOKEN_LIFETIME_MS, type TokenPair } from '@cpo/rems-protocol';
import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { APP_CONFIG } from '@cpo/platform';
import type { RemsIngestConfig } from '../config.js';
import { remsError } from '../device-api/rems-errors.js';

/** Whose token it is: `sub` = transceiverId, plus the tenant, serial and registration generation. */
export interface DeviceIdentity {
  transceiverId: string;
  tenantAlias: string;
  serialId: string;
  generation: number;
}

export interface TokenClaims extends DeviceIdentity {
  jti: string;
  expiresAt: Date;
}

export interface IssuedTokens {
  pair: TokenPair;
  refreshJti: string;
  refreshExpiresAt: Date;
}

type TokenUse = 'access' | 'refresh';

/**
 * HS512 JWTs (§5): access tokens for 1 h, refresh tokens for 7 d, each with its own secret.
 * Expiry is judged on the server clock passed in, never the device's.
 */
@Injectable()
export class TokenService {
  private readonly keys: Record<TokenUse, Uint8Array>;

  constructor(@Inject(APP_CONFIG) config: RemsIngestConfig) {
    const encoder = new TextEncoder();
    this.keys = { access: encoder.encode(config.REMS_JWT_ACCESS_SECRET), refresh: encoder.encode(config.REMS_JWT_REFRESH_SECRET) };
  }

  async issue(device: DeviceIdentity, now: Date): Promise<IssuedTokens> {
    const refreshJti = randomUUID();
    const refreshExpiresAt = new Date(now.getTime() + REFRESH_TOKEN_LIFETIME_MS);
    const [accessToken, refreshToken] = await Promise.all([
      this.sign('access', device, randomUUID(), now, ACCESS_TOKEN_LIFETIME_MS),
      this.sign('refresh', device, refreshJti, now, REFRESH_TOKEN_LIFETIME_MS),
    ]);
    return {
      pair: { accessToken, refreshToken, accessTokenExpirationTime: ACCESS_TOKEN_LIFETIME_MS, refreshTokenExpirationTime: REFRESH_TOKEN_LIFETIME_MS },
      refreshJti,
      refreshExpiresAt,
    };
  }

  /** @throws UnauthorizedError tagged TOKEN_EXPIRED or UNAUTHORIZED. */
  verifyAccess(token: string, now: Date): Promise<TokenClaims> {
    return this.verify('access', token, now);
  }

  /** @throws UnauthorizedError tagged INVALID_REFRESH_TOKEN. */
  async verifyRefresh(token: string, now: Date): Promise<TokenClaims> {
    try {
      return await this.verify('refresh', token, now);
    } catch {
      throw remsError('INVALID_REFRESH_TOKEN', 'refresh token is invalid or expired; sign in again');
    }
  }

  private async sign(use: TokenUse, device: DeviceIdentity, jti: string, now: Date, lifetimeMs: number): Promise<string> {
    const iat = Math.floor(now.getTime() / 1000);
    return new SignJWT({ tenantAlias: device.tenantAlias, serialId: device.serialId, typ: use, gen: device.generation })
      .setProtectedHeader({ alg: 'HS512', typ: 'JWT' })
      .setSubject(device.transceiverId)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(iat + lifetimeMs / 1000)
      .sign(this.keys[use]);
  }

  private async verify(use: TokenUse, token: string, now: Date): Promise<TokenClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys[use], { algorithms: ['HS512'], currentDate: now }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw remsError('TOKEN_EXPIRED', 'access token expired; refresh it');
      throw remsError('UNAUTHORIZED', 'invalid access token');
    }
    const { sub, jti, exp, tenantAlias, serialId, typ, gen } = payload as JWTPayload & Record<string, unknown>;
    if (typ !== use || typeof sub !== 'string' || typeof jti !== 'string' || typeof exp !== 'number' || typeof tenantAlias !== 'string' || typeof serialId !== 'string' || typeof gen !== 'number') {
      throw remsError('UNAUTHORIZED', 'invalid access token');
    }
    return { transceiverId: sub, tenantAlias, serialId, generation: gen, jti, expiresAt: new Date(exp * 1000) };
  }
}

import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError, ValidationError } from '@cpo/platform';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { newTransceiverId } from '../common/ids.js';
import { DeviceDirectory } from '../meter/device-directory.js';
import type { CreateDeviceModel, CreateFirmware, CreateModule, CreatePlant, CreateTenant, CreateTransceiver } from './admin.dto.js';
import { AdminRepository } from './admin.repository.js';
import { checkModulePort } from './module-rules.js';

/** The web admin's functions: tenants, plants, transceivers, modules, device models and firmware. */
@Injectable()
export class AdminService {
  constructor(
    private readonly db: DataSource,
    private readonly repo: AdminRepository,
    private readonly directory: DeviceDirectory,
  ) {}

  createTenant(t: CreateTenant): Promise<CreateTenant> {
    return this.write(`tenant ${t.alias} exists`, async (tx) => {
      await this.repo.insertTenant(tx, t);
      return t;
    });
  }

  createPlant(p: CreatePlant): Promise<{ id: string }> {
    return this.write(`plant ${p.name} exists in tenant ${p.tenantAlias}`, async (tx) => {
      await this.requireTenant(tx, p.tenantAlias);
      return { id: await this.repo.insertPlant(tx, p) };
    });
  }

  createTransceiver(t: CreateTransceiver, tx?: EntityManager): Promise<{ transceiverId: string }> {
    return this.write(`serial ${t.serialId} exists in tenant ${t.tenantAlias}`, async (em) => {
      await this.requireTenant(em, t.tenantAlias);
      if (t.plantId && (await this.repo.plantTenant(em, t.plantId)) !== t.tenantAlias) throw new NotFoundError(`no plant ${t.plantId} in tenant ${t.tenantAlias}`);
      if (t.modelId) await this.requireModel(em, t.modelId, t.tenantAlias, 'TRANSCEIVER');
      const transceiverId = newTransceiverId();
      await this.repo.insertTransceiver(em, {
        transceiverId,
        tenantAlias: t.tenantAlias,
        serialId: t.serialId,
        plantId: t.plantId ?? null,
        name: t.name ?? null,
        modelId: t.modelId ?? null,
        installedVersion: t.installedVersion ?? null,
        keaSolar: t.keaSolar,
      });
      return { transceiverId };
    }, tx);
  }

  addModule(transceiverId: string, m: CreateModule, tx?: EntityManager): Promise<{ id: string }> {
    return this.write(`port ${m.port} is taken`, async (em) => {
      const t = await this.repo.transceiverForUpdate(em, transceiverId);
      if (!t) throw new NotFoundError(`no transceiver ${transceiverId}`);
      const check = checkModulePort(t.keaSolar, t.ports, m.port);
      if (check === 'duplicate') throw new ConflictError(`port ${m.port} already has a module`);
      if (check === 'out_of_range') {
        throw new ValidationError('a KEA solar transceiver has at most 4 modules, on ports 0–3', { errorType: 'PORT_OUT_OF_RANGE', fieldError: { port: 'must be 0–3, at most 4 modules' } });
      }
      if (m.modelId) await this.requireModel(em, m.modelId, t.tenantAlias, 'MODULE');
      const id = await this.repo.insertModule(em, transceiverId, m);
      this.directory.invalidate(transceiverId);
      return { id };
    }, tx);
  }

  createDeviceModel(m: CreateDeviceModel): Promise<{ id: string }> {
    return this.write(`model ${m.name} exists`, async (tx) => {
      await this.requireTenant(tx, m.tenantAlias);
      return { id: await this.repo.insertDeviceModel(tx, m) };
    });
  }

  addFirmware(modelId: string, f: CreateFirmware): Promise<{ id: string }> {
    return this.write(`version ${f.version} exists for this model`, async (tx) => {
      if (!(await this.repo.modelTenant(tx, modelId))) throw new NotFoundError(`no device model ${modelId}`);
      return { id: await this.repo.insertFirmware(tx, modelId, f) };
    });
  }

  async transceiver(transceiverId: string): Promise<Record<string, unknown>> {
    const view = await this.repo.transceiverView(transceiverId);
    if (!view) throw new NotFoundError(`no transceiver ${transceiverId}`);
    return view;
  }

  rejected(limit: number): Promise<Record<string, unknown>[]> {
    return this.repo.rejected(limit);
  }

  async requireTenant(tx: EntityManager, alias: string): Promise<void> {
    if (!(await this.repo.tenantExists(tx, alias))) throw new NotFoundError(`no tenant ${alias}`);
  }

  private async requireModel(tx: EntityManager, modelId: string, tenantAlias: string, type: string): Promise<void> {
    const model = await this.repo.modelTenant(tx, modelId);
    if (!model || model.tenantAlias !== tenantAlias) throw new NotFoundError(`no device model ${modelId} in tenant ${tenantAlias}`);
    if (model.deviceModelType !== type) throw new ValidationError(`device model ${modelId} is a ${model.deviceModelType} model`, { fieldError: { modelId: `must be a ${type} model` } });
  }

  /** Runs in the caller's transaction or a new one; a unique violation becomes a ConflictError. */
  private async write<T>(conflict: string, work: (tx: EntityManager) => Promise<T>, tx?: EntityManager): Promise<T> {
    try {
      return tx ? await work(tx) : await this.db.transaction(work);
    } catch (err) {
      if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === '23505') throw new ConflictError(conflict, undefined, { cause: err });
      throw err;
    }
  }
}

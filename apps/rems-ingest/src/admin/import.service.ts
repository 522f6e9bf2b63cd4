import { Injectable } from '@nestjs/common';
import { DomainError, ValidationError } from '@cpo/platform';
import { DataSource } from 'typeorm';
import { fieldErrors } from '../common/zod-pipe.js';
import { TransceiverRepository } from '../transceivers/transceiver.repository.js';
import { ImportRowSchema, type ImportRow } from './admin.dto.js';
import { readImportFile, type ImportRecord } from './import-file.js';
import { AdminRepository } from './admin.repository.js';
import { AdminService } from './admin.service.js';

export interface ImportSummary {
  rows: number;
  plants: number;
  transceivers: { serialId: string; transceiverId: string; created: boolean }[];
  modules: number;
}

/**
 * Bulk import of plants, transceivers and modules (the web admin's Excel upload), from an Excel
 * (.xlsx) or CSV file with a header row: tenantAlias, plantName, plantAddress, serialId, transceiverName, keaSolar, port,
 * moduleType, moduleName. One row per module (or per transceiver without modules). All or
 * nothing: any bad row rolls the whole file back and is reported by line.
 */
@Injectable()
export class ImportService {
  constructor(
    private readonly db: DataSource,
    private readonly admin: AdminService,
    private readonly repo: AdminRepository,
    private readonly transceivers: TransceiverRepository,
  ) {}

  async importFile(content: Buffer): Promise<ImportSummary> {
    const rows = this.validate(await readImportFile(content));
    return this.db.transaction(async (tx) => {
      const plants = new Set<string>();
      const byKey = new Map<string, { serialId: string; transceiverId: string; created: boolean }>();
      let modules = 0;
      for (const [index, row] of rows.entries()) {
        const line = index + 2;
        try {
          await this.admin.requireTenant(tx, row.tenantAlias);
          const plantId = await this.repo.ensurePlant(tx, { tenantAlias: row.tenantAlias, name: row.plantName, address: row.plantAddress });
          plants.add(plantId);
          const key = `${row.tenantAlias}/${row.serialId}`;
          let entry = byKey.get(key);
          if (!entry) {
            const existing = await this.transceivers.findBySerial(row.tenantAlias, row.serialId, tx);
            const transceiverId =
              existing?.transceiverId ??
              (await this.admin.createTransceiver({ tenantAlias: row.tenantAlias, serialId: row.serialId, plantId, name: row.transceiverName, keaSolar: row.keaSolar }, tx)).transceiverId;
            entry = { serialId: row.serialId, transceiverId, created: !existing };
            byKey.set(key, entry);
          }
          if (row.port !== undefined || row.moduleType !== undefined) {
            if (row.port === undefined || row.moduleType === undefined) throw new ValidationError('port and moduleType go together', { fieldError: { port: 'port and moduleType go together' } });
            await this.admin.addModule(entry.transceiverId, { port: row.port, moduleType: row.moduleType, name: row.moduleName }, tx);
            modules++;
          }
        } catch (err) {
          if (err instanceof DomainError) {
            throw new ValidationError(`import failed at line ${line}: ${err.message}`, { line, ...(err.details as object | undefined) }, { cause: err });
          }
          throw err;
        }
      }
      return { rows: rows.length, plants: plants.size, transceivers: [...byKey.values()], modules };
    });
  }

  private validate(records: ImportRecord[]): ImportRow[] {
    if (records.length === 0) throw new ValidationError('the file has no rows');
    const errors: Record<string, Record<string, string>> = {};
    const rows: ImportRow[] = [];
    for (const [index, record] of records.entries()) {
      const parsed = ImportRowSchema.safeParse(record);
      if (parsed.success) rows.push(parsed.data);
      else errors[`line ${index + 2}`] = fieldErrors(parsed.error);
    }
    if (Object.keys(errors).length > 0) throw new ValidationError('invalid rows', { rows: errors });
    return rows;
  }
}

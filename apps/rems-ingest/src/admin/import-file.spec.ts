import ExcelJS from 'exceljs';
import { readImportFile } from './import-file.js';

describe('readImportFile', () => {
  it('reads CSV rows by header, dropping empty cells', async () => {
    const csv = '\uFEFFtenantAlias,plantName,port\nacme, Plant A ,0\nacme,Plant B,\n';
    expect(await readImportFile(Buffer.from(csv))).toEqual([
      { tenantAlias: 'acme', plantName: 'Plant A', port: '0' },
      { tenantAlias: 'acme', plantName: 'Plant B' },
    ]);
  });

  it('reads the first worksheet of an .xlsx file, typed cells as text', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('rows');
    sheet.addRow(['tenantAlias', 'keaSolar', 'port', 'plantName']);
    sheet.addRow(['acme', false, 2, { richText: [{ text: 'Plant ' }, { text: 'C' }] }]);
    const content = Buffer.from((await workbook.xlsx.writeBuffer()) as ArrayBuffer);
    expect(await readImportFile(content)).toEqual([{ tenantAlias: 'acme', keaSolar: 'false', port: '2', plantName: 'Plant C' }]);
  });

  it('refuses a broken Excel file and a ragged CSV with a validation error', async () => {
    await expect(readImportFile(Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('garbage')]))).rejects.toThrow(/not an Excel file/);
    await expect(readImportFile(Buffer.from('a,b\n1,2,3\n'))).rejects.toThrow(/not a CSV file/);
  });
});

import { ValidationError } from '@cpo/platform';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';

/** One data row of an import file, by header name; empty cells are left out. */
export type ImportRecord = Record<string, string>;

const XLSX_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]); // a ZIP container

/**
 * Reads the rows of an uploaded import file: Excel (`.xlsx`, first worksheet) or CSV, both with
 * a header row. Excel is recognised by its ZIP signature, not by the file name.
 */
export async function readImportFile(content: Buffer): Promise<ImportRecord[]> {
  return content.subarray(0, 4).equals(XLSX_MAGIC) ? readXlsx(content) : readCsv(content.toString('utf8'));
}

function readCsv(text: string): ImportRecord[] {
  try {
    const records: Record<string, string>[] = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
    return records.map(dropEmpty);
  } catch (err) {
    throw new ValidationError(`not a CSV file: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function readXlsx(content: Buffer): Promise<ImportRecord[]> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(content as unknown as ArrayBuffer);
  } catch (err) {
    throw new ValidationError(`not an Excel file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new ValidationError('the workbook has no worksheet');
  const header: string[] = [];
  sheet.getRow(1).eachCell((cell, column) => (header[column] = cellText(cell.value)));
  const records: ImportRecord[] = [];
  sheet.eachRow((row, number) => {
    if (number === 1) return;
    const record: ImportRecord = {};
    row.eachCell((cell, column) => {
      const name = header[column];
      if (name) record[name] = cellText(cell.value);
    });
    if (Object.keys(record).length > 0) records.push(dropEmpty(record));
  });
  return records;
}

/** A cell as text: numbers and booleans as typed, rich text and formulas by their shown value. */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((part) => part.text).join('').trim();
    if ('result' in value) return cellText((value.result ?? null) as ExcelJS.CellValue);
    if ('text' in value) return String(value.text).trim();
    if (value instanceof Date) return value.toISOString();
  }
  return String(value).trim();
}

function dropEmpty(record: ImportRecord): ImportRecord {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== ''));
}

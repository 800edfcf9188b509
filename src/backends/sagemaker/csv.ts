/**
 * RFC 4180 CSV as Aurora's SageMaker wire format uses it: one record per row,
 * fields in argument order, quoted when they hold a comma, quote or newline.
 */

/**
 * Splits a text/csv body into records. A trailing line break ends the last
 * record rather than starting an empty one, and a body that is empty or only a
 * line break is one record with one empty field: Aurora sends NULL arguments
 * as empty strings, and it never sends a request for zero rows.
 */
export function parseCsvRecords(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let i = 0;
  const n = text.endsWith('\r\n') ? text.length - 2 : text.endsWith('\n') ? text.length - 1 : text.length;
  while (i < n) {
    const ch = text[i];
    if (ch === '"' && field === '') {
      // Quoted field: runs to the next lone quote; "" stands for one quote.
      i++;
      while (i < n) {
        const q = text[i];
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += q;
        i++;
      }
      continue;
    }
    if (ch === ',') {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
      fields.push(field);
      records.push(fields);
      fields = [];
      field = '';
      if (ch === '\r') i++;
    } else {
      field += ch;
    }
    i++;
  }
  fields.push(field);
  records.push(fields);
  return records;
}

/** Quotes a field only when CSV requires it, so simple values stay readable. */
export function formatCsvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function formatCsvRecord(fields: readonly string[]): string {
  return fields.map(formatCsvField).join(',');
}

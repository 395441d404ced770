import { it, expect } from 'vitest';
import { pdfBuffer, barcodePng, LABEL_4X6 } from './pdf.js';
import { readPdf } from '../../test/helpers/pdf.js';
it('pdf', async () => {
  const buf = await pdfBuffer(async (d) => { d.text('Hello 123'); d.image(await barcodePng('gs1-128', '(00)106141411234567897'), 10, 60, { width: 200 }); }, { size: LABEL_4X6 });
  const r = await readPdf(buf);
  expect(r.pages).toBe(1);
  expect(r.text[0]).toContain('Hello 123');
});

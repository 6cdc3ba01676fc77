import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { type DatasetMeta, writeDatasets } from './column-store.js';
import { type ParsedDataset, parseDatasetFile } from './csv-dataset.js';

const IMPORTABLE_DIRS = ['klines', 'funding', 'mark', 'trades', 'book'];

/**
 * Expands the arguments of `data import` into CSV files: a file is taken as is; a directory laid out
 * like ../shared/data contributes the CSV files of its klines/, funding/, mark/, trades/ and book/
 * folders; any other folder contributes its own CSV files.
 */
/** A file or directory to import that is not there. */
export class MissingInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingInputError';
  }
}

export const collectFiles = (inputs: readonly string[]): string[] => {
  const files: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new MissingInputError(`${input}: no such file or directory`);
    if (statSync(input).isFile()) {
      files.push(input);
      continue;
    }
    const sub = IMPORTABLE_DIRS.map((d) => path.join(input, d)).filter((d) => existsSync(d));
    const dirs = sub.length > 0 ? sub : [input];
    for (const dir of dirs) {
      for (const name of readdirSync(dir).sort()) {
        if (/\.csv(\.gz)?$/.test(name)) files.push(path.join(dir, name));
      }
    }
  }
  return files;
};

/** Parses every file before writing anything, so one malformed row aborts the whole import. */
export const importFiles = (files: readonly string[], marketDir: string): DatasetMeta[] => {
  const parsed: ParsedDataset[] = files.map((f) => parseDatasetFile(f));
  return writeDatasets(marketDir, parsed);
};

import type { DataSpec } from '@orquesta/protocol';
import { DataConfigError } from '../errors.js';

/** The TSV columns of the source and target language (spec data.source / data.target looked up in data.columns). Throws DataConfigError when either is missing. */
export function specColumns(data: DataSpec): { sourceColumn: number; targetColumn: number } {
  const column = (field: 'source' | 'target'): number => {
    const lang = data[field];
    if (lang === undefined) throw new DataConfigError(`data.${field}`, 'is required for translation');
    const index = data.columns[lang];
    if (index === undefined)
      throw new DataConfigError('data.columns', `has no column for ${field} language "${lang}" (columns: ${JSON.stringify(data.columns)})`);
    return index;
  };
  return { sourceColumn: column('source'), targetColumn: column('target') };
}

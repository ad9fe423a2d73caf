/** How every message spells a place in a document: the segments given, in order, joined by ' › '. */
import { describe, expect, it } from 'vitest';
import { documentPath } from '../../lib/arazzo/errors.ts';

describe('a document path', () => {
  it('joins its segments with › and leaves out those not given (undefined) or empty', () => {
    expect(documentPath('doc.yml', undefined, 'workflows[w]', '', 'steps[s]')).toBe('doc.yml › workflows[w] › steps[s]');
    expect(documentPath(undefined, '')).toBe('');
    expect(documentPath('only')).toBe('only');
  });
});

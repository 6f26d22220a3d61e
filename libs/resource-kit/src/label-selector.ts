import { ApiError } from './errors';

// Kubernetes label selector grammar: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`,
// requirements joined by commas (AND).

export type Requirement =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

const KEY = '[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?';
const VALUE = '([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?';
const SET_RE = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^)]*)\\)$`);
const EQ_RE = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const EXISTS_RE = new RegExp(`^(!?)\\s*(${KEY})$`);
const VALUE_RE = new RegExp(`^${VALUE}$`);

function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim());
}

export function parseLabelSelector(selector: unknown): Requirement[] {
  if (selector === undefined || selector === null) return [];
  if (typeof selector !== 'string') throw ApiError.field('labelSelector', 'must be given once, as a single string');
  if (selector.trim() === '') return [];
  const invalid = (why: string) => ApiError.field('labelSelector', `invalid label selector "${selector}": ${why}`);
  return splitTopLevel(selector).map((part): Requirement => {
    if (part === '') throw invalid('empty requirement');
    let m = SET_RE.exec(part);
    if (m) {
      const values = m[4].split(',').map((v) => v.trim());
      if (values.some((v) => !VALUE_RE.test(v)) || values.every((v) => v === '')) throw invalid(`bad value list in "${part}"`);
      return { key: m[1], op: m[3] as 'in' | 'notin', values };
    }
    m = EQ_RE.exec(part);
    if (m) return { key: m[1], op: m[3] === '!=' ? 'neq' : 'eq', value: m[4] };
    m = EXISTS_RE.exec(part);
    if (m) return { key: m[2], op: m[1] ? 'notexists' : 'exists' };
    throw invalid(`cannot parse "${part}"`);
  });
}

export function matchesLabels(labels: Record<string, string> | undefined, reqs: Requirement[]): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'eq':
        return has && l[r.key] === r.value;
      case 'neq':
        return !has || l[r.key] !== r.value;
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        return !has || !r.values.includes(l[r.key]);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
  });
}

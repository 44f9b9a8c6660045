import { describe, expect, it } from 'vitest';
import { refusal, type Identity } from './roles.js';

const viewer: Identity = { name: 'vic', role: 'viewer' };
const alice: Identity = { name: 'alice', role: 'submitter' };
const admin: Identity = { name: 'admin', role: 'admin' };

describe('roles', () => {
  it('lets everyone read, submitters and admins submit', () => {
    for (const who of [viewer, alice, admin]) expect(refusal(who, 'read')).toBeUndefined();
    expect(refusal(viewer, 'submit')).toMatch(/vic is a viewer; submitting needs the submitter or admin role/);
    expect(refusal(alice, 'submit')).toBeUndefined();
    expect(refusal(admin, 'submit')).toBeUndefined();
  });

  it("lets a submitter change only its own experiments, an admin anyone's", () => {
    expect(refusal(alice, 'control', 'alice')).toBeUndefined();
    expect(refusal(alice, 'control', 'bob')).toMatch(/alice did not submit this experiment \(bob did\)/);
    expect(refusal(alice, 'control', null)).toMatch(/no recorded submitter/);
    expect(refusal(viewer, 'control', 'vic')).toMatch(/vic is a viewer/);
    expect(refusal(admin, 'control', 'bob')).toBeUndefined();
  });

  it('keeps tokens to admins', () => {
    expect(refusal(admin, 'administer')).toBeUndefined();
    expect(refusal(alice, 'administer')).toMatch(/alice is a submitter; tokens and the audit trail need the admin role/);
  });
});

#!/usr/bin/python
# -*- coding: utf-8 -*-
# safeflash.firmware.safeflash_baseline - converge a host to a firmware baseline.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: safeflash_baseline
short_description: Bring enclosures, drives, board flash and Redfish boards to a firmware baseline
description:
  - Converges the targets to the firmware a baseline file names (docs/baseline.md) with the
    installed C(safeflash) tool - C(safeflash apply BASELINE --yes --json) - and reports what
    it did. Every rule (matching, versions, signatures, the modules of one enclosure one at a
    time, journal and resume) stays in safeflash; the module maps its JSON.
  - In check mode it runs C(safeflash check) instead, which reads only, and reports as
    changed what apply would update.
  - With C(--diff) it shows each item's version before and after (in check mode, the
    desired version of the items that would be updated).
  - C(changed) is true only when firmware changed (an item was updated, stored, or staged
    for a reset). A second run against a converged host reports no change.
  - Fails with safeflash's one line and exit code (C(rc)) when safeflash refuses - a
    malformed baseline, a package missing or not matching its rule, a bad or untrusted
    signature, all before anything is written - or when an update fails. Items check reports
    as C(refused) or C(unknown) are left alone by apply; they fail the task too, since the
    host then is not compliant (C(rc) 20).
version_added: 0.1.0
author:
  - safeflash developers
requirements:
  - safeflash (the C tool of this repository) with C(check) and C(apply), on the host the task
    runs on (the controller for C(redfish://) targets, with C(delegate_to) localhost)
options:
  state:
    description:
      - C(compliant) - every targeted item runs the baseline's version.
    type: str
    choices: [compliant]
    default: compliant
  baseline:
    description:
      - The baseline file (C(fleet.json)); the packages it names are relative to its directory
        (an offline mirror). A signature C(BASELINE.sig) beside it is checked against the
        trusted keys.
    type: path
    required: true
  targets:
    description:
      - What to converge. Left out (or null), safeflash covers every local SCSI device (as
        C(safeflash list --all) finds them) and the flash targets the baseline names.
      - Devices (C(/dev/sgN)), flash (C(mtd:/dev/mtdN), C(file:PATH)) and boards through
        their BMC (C(redfish://USER@HOST[:PORT])) - the last named only here.
      - An empty list means nothing to do - the module changes nothing and succeeds. Use this
        to hand a host an assignment that may be empty (a shared enclosure another host updates)
        without it falling back to every device.
    type: list
    elements: str
  allow_unsigned:
    description: Accept an unsigned baseline or package (C(--allow-unsigned)).
    type: bool
    default: false
  jobs:
    description: Update up to this many enclosures at once (C(--jobs)); the modules of one
      enclosure are always updated one at a time.
    type: int
  max_failures:
    description: Stop starting new updates after this many failed (C(--max-failures)).
    type: int
  activate:
    description:
      - Run what is stored at once (C(--activate)) - deferred microcode of enclosures and drives
        is activated, and a Redfish board's host is reset once its images are staged, so that
        the new BIOS or ME runs.
      - Without it, firmware that waits for an activation or a reset is reported as changed,
        with C(reset_required) and a warning (safeflash exit 12); a later run with I(activate)
        finishes it.
    type: bool
    default: false
  poll_interval:
    description: Milliseconds between status reads of an enclosure or drive (C(--poll-interval));
      safeflash's default is 1000.
    type: int
  timeout:
    description: Seconds to wait for an enclosure's or drive's completion (C(--timeout));
      safeflash's default is 1200.
    type: int
extends_documentation_fragment:
  - safeflash.firmware.common
notes:
  - Check mode and diff mode are supported.
  - I(plain_http), I(insecure), I(ca_file) and I(pin) are mutually exclusive.
  - Run Redfish targets from the controller (C(delegate_to) localhost), with C(throttle) to
    bound how many BMCs are busy at once.
  - Two hosts that see the same enclosure must not both name it; see docs/ansible.md for the
    assignment the example playbook computes, and the play order that keeps the two hosts
    of an HA pair apart.
seealso:
  - module: safeflash.firmware.safeflash_facts
'''

EXAMPLES = r'''
- name: Converge every local enclosure and drive
  safeflash.firmware.safeflash_baseline:
    baseline: /srv/firmware/fleet.json
    state: compliant

- name: Only what this host was assigned (may be empty)
  safeflash.firmware.safeflash_baseline:
    baseline: /srv/firmware/fleet.json
    targets: "{{ safeflash_assigned_targets }}"
    jobs: 2
    max_failures: 1

- name: The board behind this host's BMC, from the controller
  safeflash.firmware.safeflash_baseline:
    baseline: "{{ playbook_dir }}/mirror/fleet.json"
    targets: ["redfish://admin@{{ bmc_address }}"]
    redfish_password: "{{ vault_bmc_password }}"
    activate: true
  delegate_to: localhost
  throttle: 2
'''

RETURN = r'''
changed:
  description: Firmware changed (or would, in check mode).
  returned: always
  type: bool
compliant:
  description: Every targeted item runs its desired version afterwards (in check mode - now).
  returned: success
  type: bool
baseline:
  description: The baseline as safeflash read it (C(path), C(name), C(signed), C(signer)).
  returned: when safeflash read it
  type: dict
  sample: {"path": "fleet.json", "name": "tour-2026-12", "signed": true, "signer": "0123abcd0123abcd"}
counts:
  description:
    - Items by outcome, as safeflash counts them. Apply - C(items), C(none), C(updated),
      C(stored), C(failed), C(not_attempted), C(pending), C(refused), C(unknown), C(no_rule);
      check mode - C(items), C(none), C(update), C(pending), C(refused), C(unknown), C(no_rule).
  returned: when safeflash read the baseline
  type: dict
items:
  description:
    - One row per item (SES processor, drive, flash, BMC component) - C(target), C(class),
      C(item), C(component), C(vendor), C(product), C(logical_id), C(current), C(desired),
      C(action), C(reason), C(rule), C(package); after apply also C(outcome), C(version_after)
      and C(message).
    - In Jinja write C(result['items']) - C(result.items) is the dictionary's method.
  returned: when safeflash read the baseline
  type: list
  elements: dict
updated:
  description: C(TARGET ITEM) of each item whose firmware changed (or would, in check mode).
  returned: when safeflash read the baseline
  type: list
  elements: str
  sample: ["/dev/sg3 subenclosure 0", "/dev/sg3 subenclosure 1"]
reset_required:
  description: Firmware was stored and runs only after a reset or power cycle (safeflash exit 12);
    run again with I(activate), or reset the host.
  returned: success
  type: bool
exit_code:
  description: safeflash's exit code - 0, 20 in check mode when only updates are due, 12 when
    firmware waits for a reset.
  returned: when safeflash ran
  type: int
rc:
  description: safeflash's exit code, when the task failed (Ansible takes a non-zero C(rc) for
    a failure, so a success reports C(exit_code) only).
  returned: failure
  type: int
msg:
  description: On failure, safeflash's one line.
  returned: failure
  type: str
  sample: "fleet.json: baseline: item 3: match: \"layout\" is for class flash only"
cmd:
  description: The command run (the password is never part of it).
  returned: when safeflash ran
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.safeflash.firmware.plugins.module_utils.safeflash import (
    RC_DRIFT, RC_NEEDS_RESET, RC_OK, Safeflash, common_argument_spec, drift_line,
    item_name, left_alone, not_converged, versions_text)

CHANGED_OUTCOMES = ('updated', 'stored', 'pending-reset')


def report_keys(obj):
    return dict(baseline=obj.get('baseline'), counts=obj.get('counts') or {},
                items=obj.get('items') or [])


def check_mode(module, sf, baseline, targets):
    report, rc, err, cmd = sf.check(baseline, targets)
    items = report['items']
    # What apply would change: updates, and what is stored and waiting
    # (action pending) when it would also activate it.
    acts = ('update', 'pending') if module.params['activate'] else ('update',)
    would = [r for r in items if r.get('action') in acts]
    result = dict(changed=bool(would), compliant=bool(report.get('compliant')), exit_code=rc, cmd=cmd,
                  updated=[item_name(r) for r in would], reset_required=False, **report_keys(report))
    if module._diff:
        result['diff'] = dict(
            before_header='%s (running)' % baseline,
            after_header='%s (after apply)' % baseline,
            before=versions_text(items, lambda r: r.get('current')),
            after=versions_text(items, lambda r: r.get('desired') if r.get('action') in acts
                                else r.get('current')))
    stuck = left_alone(items)
    if stuck:
        module.fail_json(msg=drift_line(stuck, 'would be left as they are'), rc=rc, stderr=err, **result)
    module.exit_json(**result)


def failure_line(sf, rc, err, objs, final):
    """The one line that says why apply failed."""
    error = sf.last_event(objs, 'error')
    if error and error.get('message'):
        return error['message']
    for key in ('message', 'error'):
        if final and final.get(key):
            return final[key]
    if any(l.startswith('safeflash: ') and not l.startswith('safeflash: warning:')
           for l in err.splitlines()):
        return sf.one_line(rc, err)
    summary = sf.last_event(objs, 'summary')
    if summary and summary.get('error'):
        return summary['error']
    failed = [r for r in (final or {}).get('items') or []
              if r.get('outcome') == 'failed' and r.get('message')]
    if failed:
        r = failed[0]
        line = r['message'] if r['message'].startswith(str(r.get('target'))) \
            else '%s: %s' % (item_name(r), r['message'])
        if len(failed) > 1:
            line += ' (and %d more item%s failed)' % (len(failed) - 1, '' if len(failed) == 2 else 's')
        return line
    return sf.one_line(rc, err)


def apply(module, sf, baseline, targets):
    p = module.params
    argv = ['apply'] + sf.baseline_options() + ['--yes']
    if p['jobs'] is not None:
        argv += ['--jobs', str(p['jobs'])]
    if p['max_failures'] is not None:
        argv += ['--max-failures', str(p['max_failures'])]
    if p['poll_interval'] is not None:
        argv += ['--poll-interval', str(p['poll_interval'])]
    if p['timeout'] is not None:
        argv += ['--timeout', str(p['timeout'])]
    if p['activate']:
        argv.append('--activate')
    argv += sf.operands(baseline, targets)
    rc, out, err, cmd = sf.run(argv)
    objs = sf.json_objects(out)
    final = sf.last_event(objs, 'apply')
    if final is None:
        # Refused before anything was written (or not safeflash's JSON at all).
        sf.fail(failure_line(sf, rc, err, objs, None), rc, err, cmd, changed=False)
    drift = sf.last_event(objs, 'drift') or {}
    items = final.get('items') or []
    changed = bool(final.get('changed'))
    result = dict(changed=changed, compliant=bool(final.get('compliant')), exit_code=rc, cmd=cmd,
                  updated=[item_name(r) for r in items if r.get('outcome') in CHANGED_OUTCOMES],
                  reset_required=rc == RC_NEEDS_RESET, **report_keys(final))
    if module._diff:
        before_rows = drift.get('items') or items
        result['diff'] = dict(
            before_header='%s (before)' % baseline,
            after_header='%s (after)' % baseline,
            before=versions_text(before_rows, lambda r: r.get('current')),
            after=versions_text(items, lambda r: r.get('version_after')
                                if r.get('version_after') is not None else r.get('current')))
    if rc == RC_OK:
        module.exit_json(**result)
    if rc == RC_NEEDS_RESET:
        module.warn('firmware was stored and runs only after a reset or power cycle; '
                    'run again with activate=true, or reset the host')
        module.exit_json(**result)
    if rc == RC_DRIFT:
        stuck = not_converged(items)
        msg = drift_line(stuck, 'not at the baseline') if stuck else sf.one_line(rc, err, final)
        module.fail_json(msg=msg, rc=rc, stderr=err, **result)
    module.fail_json(msg=failure_line(sf, rc, err, objs, final), rc=rc, stderr=err, **result)


def main():
    spec = common_argument_spec()
    spec.update(
        state=dict(type='str', choices=['compliant'], default='compliant'),
        baseline=dict(type='path', required=True),
        jobs=dict(type='int'),
        max_failures=dict(type='int'),
        poll_interval=dict(type='int'),
        timeout=dict(type='int'),
        activate=dict(type='bool', default=False),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    sf = Safeflash(module)
    baseline, targets = module.params['baseline'], module.params['targets']
    if targets == []:
        module.exit_json(changed=False, compliant=True, items=[], counts={}, updated=[],
                         reset_required=False, msg='no targets: nothing to do')
    if module.check_mode:
        check_mode(module, sf, baseline, targets)
    apply(module, sf, baseline, targets)


if __name__ == '__main__':
    main()

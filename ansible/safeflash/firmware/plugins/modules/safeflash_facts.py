#!/usr/bin/python
# -*- coding: utf-8 -*-
# safeflash.firmware.safeflash_facts - what safeflash sees on a host.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: safeflash_facts
short_description: Firmware facts from safeflash - devices, versions, enclosure identifiers, baseline drift
description:
  - Runs the installed C(safeflash) tool with C(--json) and returns what it reports as
    facts under C(ansible_facts.safeflash); every rule stays in safeflash.
  - C(safeflash list --all --json) gives the local SCSI devices (enclosures and drives), their
    versions and each enclosure's logical identifier. Two hosts that report the same
    logical identifier see the same enclosure (a shared JBOD, an HA pair).
  - With I(baseline), C(safeflash check BASELINE --json) adds the drift report, one row per
    item (SES processor, drive, flash, BMC component), and each drive's identity. Drift is a fact, not a failure;
    a refused baseline (malformed, a package missing, a bad or untrusted signature) fails
    with safeflash's one line and exit code.
  - Reads only; supports check mode.
version_added: 0.1.0
author:
  - safeflash developers
requirements:
  - safeflash (the C tool of this repository) on the managed host, with C(check) for I(baseline)
options:
  baseline:
    description:
      - A baseline file (docs/baseline.md) on the managed host. When given, the drift report
        of C(safeflash check) is added to the facts.
    type: path
  targets:
    description:
      - What C(check) covers. Left out (or null), safeflash covers every local SCSI device
        and the flash targets the baseline names; C(redfish://USER@HOST[:PORT]) boards
        are always named here.
      - An empty list means no targets at all, so no check is run.
    type: list
    elements: str
  gather_devices:
    description:
      - Run C(safeflash list --all --json) for C(devices), C(enclosures) and C(versions).
        Turn it off to check only BMCs from the controller.
    type: bool
    default: true
  allow_unsigned:
    description: Accept an unsigned baseline or package (C(--allow-unsigned)).
    type: bool
    default: false
extends_documentation_fragment:
  - safeflash.firmware.common
notes:
  - I(plain_http), I(insecure), I(ca_file) and I(pin) are mutually exclusive.
  - Pass safeflash's environment (C(SAFEFLASH_KEYS), C(SAFEFLASH_STATE_DIR), an emulator's
    C(SAFEFLASH_EMU)) with the play's or the task's C(environment) keyword.
seealso:
  - module: safeflash.firmware.safeflash_baseline
'''

EXAMPLES = r'''
- name: What firmware runs here
  safeflash.firmware.safeflash_facts:

- name: Drift against the December baseline (reads only)
  safeflash.firmware.safeflash_facts:
    baseline: /srv/firmware/fleet.json

- name: Stop on anything the baseline cannot bring to its version
  ansible.builtin.assert:
    that:
      - ansible_facts.safeflash.counts.unknown == 0
      - ansible_facts.safeflash.counts.refused == 0
    fail_msg: "{{ ansible_facts.safeflash['items'] | selectattr('action', 'in', ['unknown', 'refused']) | list }}"

- name: A board's BMC, from the controller
  safeflash.firmware.safeflash_facts:
    baseline: /srv/firmware/fleet.json
    targets: ["redfish://admin@{{ bmc_address }}"]
    gather_devices: false
    redfish_password: "{{ vault_bmc_password }}"
  delegate_to: localhost
'''

RETURN = r'''
ansible_facts:
  description: Facts under C(safeflash).
  returned: always
  type: dict
  contains:
    safeflash:
      description: What safeflash reported.
      returned: always
      type: dict
      contains:
        devices:
          description: The C(devices) of C(safeflash list --all --json) (docs/json.md, C(list)),
            as safeflash wrote them; empty without I(gather_devices).
          type: list
          elements: dict
          returned: always
          sample: [{"target": "/dev/sg3", "class": "ses", "vendor": "SFEMU", "product": "JBOD-2U24",
                    "version": "0400", "logical_id": "5000ccab0400003e", "paths": 1}]
        enclosures:
          description: Each enclosure logical identifier the host sees, with the paths (targets)
            that reach it.
          type: dict
          returned: always
          sample: {"5000ccab0400003e": ["/dev/sg3"]}
        drives:
          description: Each drive's identity (its NAA, as check reports it), with the paths that
            reach it; two hosts that report one NAA see one drive (a shared JBOD's disks).
          type: dict
          returned: when I(baseline) is given
          sample: {"5000c50000000101": ["/dev/sg5"]}
        versions:
          description: Each listed device's version (its INQUIRY revision), by target. Per item
            versions (each SES processor) are in C(ansible_facts.safeflash['items']).
          type: dict
          returned: always
          sample: {"/dev/sg3": "0400", "/dev/sg5": "A100"}
        warnings:
          description: Lines safeflash warned about (modules of one enclosure that disagree).
          type: list
          elements: str
          returned: always
        baseline:
          description: The baseline as check read it (C(path), C(name), C(signed), C(signer)).
          type: dict
          returned: when I(baseline) is given
          sample: {"path": "fleet.json", "name": "tour-2026-12", "signed": true, "signer": "0123abcd0123abcd"}
        compliant:
          description: Every item runs its desired version (check exited 0).
          type: bool
          returned: when I(baseline) is given
        counts:
          description: Items by action (C(items), C(none), C(update), C(pending), C(refused),
            C(unknown), C(no_rule)).
          type: dict
          returned: when I(baseline) is given
        items:
          description:
            - The rows of the drift report - C(target), C(class), C(item), C(component),
              C(vendor), C(product), C(logical_id), C(current), C(desired), C(action)
              (C(none), C(update), C(pending), C(refused), C(unknown), C(no-rule)), C(reason),
              C(rule), C(package).
            - In Jinja write C(ansible_facts.safeflash['items']) - C(.items) is the dictionary's
              method.
          type: list
          elements: dict
          returned: when I(baseline) is given
        exit_code:
          description: safeflash check's exit code (0 compliant, 20 drift).
          type: int
          returned: when I(baseline) is given
rc:
  description: safeflash's exit code, when it refused.
  returned: failure
  type: int
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.safeflash.firmware.plugins.module_utils.safeflash import (
    Safeflash, common_argument_spec)


def gather(sf):
    rc, out, err, cmd = sf.run(['list', '--all', '--json'])
    objs = sf.json_objects(out)
    listing = objs[0] if objs and isinstance(objs[0].get('devices'), list) else None
    if rc != 0 or listing is None:
        sf.fail(sf.one_line(rc, err, objs[0] if objs else None), rc, err, cmd)
    devices = listing['devices']
    enclosures, versions = {}, {}
    for d in devices:
        t = d.get('target')
        if t is None:
            continue
        if d.get('version') is not None:
            versions[t] = d['version']
        lid = d.get('logical_id')
        if d.get('class') == 'ses' and lid:
            enclosures.setdefault(lid, []).append(t)
    return dict(devices=devices, enclosures=enclosures, versions=versions,
                warnings=listing.get('warnings') or [])


def check(sf, baseline, targets):
    report, rc, err, cmd = sf.check(baseline, targets)
    drives = {}
    for r in report['items']:
        if r.get('class') == 'drive' and r.get('logical_id'):
            paths = drives.setdefault(r['logical_id'], [])
            if r.get('target') not in paths:
                paths.append(r.get('target'))
    return dict(baseline=report.get('baseline'), compliant=bool(report.get('compliant')),
                counts=report.get('counts') or {}, items=report['items'], drives=drives,
                exit_code=report.get('exit_code', rc))


def main():
    spec = common_argument_spec()
    spec.update(baseline=dict(type='path'), gather_devices=dict(type='bool', default=True))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    sf = Safeflash(module)
    facts = dict(devices=[], enclosures={}, drives={}, versions={}, warnings=[])
    if module.params['gather_devices']:
        facts.update(gather(sf))
    targets = module.params['targets']
    if module.params['baseline'] and targets != []:
        facts.update(check(sf, module.params['baseline'], targets))
    module.exit_json(changed=False, ansible_facts=dict(safeflash=facts))


if __name__ == '__main__':
    main()

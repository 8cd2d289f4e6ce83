# -*- coding: utf-8 -*-
# Shared by the safeflash.firmware modules.
#
# The modules are thin on purpose: every rule (matching, versions,
# signatures, refusals, the order of updates) lives in the installed
# safeflash tool.  This file only builds its argv, runs it without a
# shell, reads its --json output (docs/json.md, schema 1) and turns a
# refusal into one Ansible failure carrying safeflash's one line and exit
# code.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

# Exit codes of `safeflash check` (docs/baseline.md).
RC_OK = 0
RC_DRIFT = 20
# `safeflash apply`: stored, but runs only after a hard reset or power cycle.
RC_NEEDS_RESET = 12

PASSWORD_ENV = 'SAFEFLASH_REDFISH_PASSWORD'


def common_argument_spec():
    """Options every module that reads a baseline takes."""
    return dict(
        executable=dict(type='str', default='safeflash'),
        targets=dict(type='list', elements='str'),
        allow_unsigned=dict(type='bool', default=False),
        keys=dict(type='path'),
        state_dir=dict(type='path'),
        plain_http=dict(type='bool', default=False),
        insecure=dict(type='bool', default=False),
        ca_file=dict(type='path'),
        pin=dict(type='str'),
        redfish_password=dict(type='str', no_log=True),
    )


class Safeflash(object):
    """One module's view of the safeflash command."""

    def __init__(self, module):
        self.module = module
        self.p = module.params
        self.warnings = []
        tls = [n for n in ('plain_http', 'insecure') if self.p.get(n)]
        tls += [n for n in ('ca_file', 'pin') if self.p.get(n)]
        if len(tls) > 1:
            module.fail_json(msg='parameters are mutually exclusive: %s' % ', '.join(tls))
        self.exe = self._executable(self.p['executable'])

    def _executable(self, name):
        if os.sep in name:
            if not (os.path.isfile(name) and os.access(name, os.X_OK)):
                self.module.fail_json(msg='%s: not an executable file' % name, rc=None)
            return name
        return self.module.get_bin_path(name, required=True)

    # ---- argv -------------------------------------------------------------

    def baseline_options(self):
        """The options check and apply share, from the module's parameters."""
        p = self.p
        argv = ['--json']
        if p.get('allow_unsigned'):
            argv.append('--allow-unsigned')
        if p.get('keys'):
            argv += ['--keys', p['keys']]
        if p.get('state_dir'):
            argv += ['--state-dir', p['state_dir']]
        if p.get('plain_http'):
            argv.append('--plain-http')
        if p.get('insecure'):
            argv.append('--insecure')
        if p.get('ca_file'):
            argv += ['--ca', p['ca_file']]
        if p.get('pin'):
            argv += ['--pin', p['pin']]
        return argv

    def operands(self, baseline, targets):
        # "--" ends the options: a target can never be taken for one.
        return ['--', baseline] + list(targets or [])

    # ---- running ----------------------------------------------------------

    def run(self, argv):
        """Runs safeflash (argv after the executable): rc, stdout, stderr.

        No shell, no expansion of $ or ~ in the arguments; the Redfish
        password goes in the environment, never on the command line."""
        env = {}
        if self.p.get('redfish_password') is not None:
            env[PASSWORD_ENV] = self.p['redfish_password']
        cmd = [self.exe] + argv
        rc, out, err = self.module.run_command(cmd, environ_update=env, check_rc=False,
                                               expand_user_and_vars=False)
        for line in err.splitlines():
            if line.startswith('safeflash: warning: '):
                w = line[len('safeflash: warning: '):]
                if w not in self.warnings:
                    self.warnings.append(w)
                    self.module.warn('safeflash: ' + w)
        return rc, out, err, cmd

    # ---- reading its output -----------------------------------------------

    @staticmethod
    def json_objects(out):
        """Every JSON object of the output, one per line (schema 1); lines
        that are not JSON objects are skipped."""
        objs = []
        text = out.strip()
        if not text:
            return objs
        try:
            one = json.loads(text)
            if isinstance(one, dict):
                return [one]
        except ValueError:
            pass
        for line in text.splitlines():
            line = line.strip()
            if not line.startswith('{'):
                continue
            try:
                o = json.loads(line)
            except ValueError:
                continue
            if isinstance(o, dict):
                objs.append(o)
        return objs

    @staticmethod
    def last_event(objs, *events):
        for o in reversed(objs):
            if o.get('event') in events:
                return o
        return None

    @staticmethod
    def one_line(rc, err, obj=None):
        """safeflash's one-line reason: the JSON message when there is one,
        else its last `safeflash: ...` line on stderr (warnings aside), else
        the last line it wrote."""
        if obj and obj.get('message'):
            return obj['message']
        lines = [l for l in err.splitlines() if l.strip()]
        mine = [l for l in lines
                if l.startswith('safeflash: ') and not l.startswith('safeflash: warning:')]
        if mine:
            return mine[-1][len('safeflash: '):]
        if lines:
            return lines[-1]
        return 'safeflash exited with %d' % rc

    def fail(self, msg, rc, err, cmd, **kw):
        self.module.fail_json(msg=msg, rc=rc, stderr=err, cmd=cmd, **kw)

    def check(self, baseline, targets):
        """`safeflash check --json`: (report, rc, err, cmd); a refusal or
        anything but a report (exit 0 compliant, 20 drift) fails the
        module with safeflash's one line."""
        argv = ['check'] + self.baseline_options() + self.operands(baseline, targets)
        rc, out, err, cmd = self.run(argv)
        objs = self.json_objects(out)
        report = objs[-1] if objs else None
        if rc not in (RC_OK, RC_DRIFT) or report is None or report.get('event') == 'error' \
                or not isinstance(report.get('items'), list):
            self.fail(self.one_line(rc, err, report), rc, err, cmd)
        return report, rc, err, cmd


def item_name(row):
    return '%s %s' % (row.get('target'), row.get('item'))


def left_alone(items):
    """Rows check (or apply) leaves as they are although they drift."""
    return [r for r in items if r.get('action') in ('refused', 'unknown')]


def not_converged(items):
    """Rows of an apply that do not run their desired version afterwards."""
    return [r for r in items if r.get('action') in ('update', 'pending', 'refused', 'unknown')
            and r.get('outcome') != 'updated']


def drift_line(rows, verb):
    """One line for items that are not compliant and will not be made so."""
    parts = []
    for r in rows:
        what = r.get('outcome') or r.get('action')
        why = r.get('message') or r.get('reason')
        parts.append('%s: %s' % (item_name(r), what) + (' (%s)' % why if why else ''))
    n = len(rows)
    return '%d item%s %s: %s' % (n, '' if n == 1 else 's', verb, '; '.join(parts))


def versions_text(rows, which):
    """Lines `TARGET ITEM: VERSION` for a diff, in safeflash's order."""
    lines = []
    for r in rows:
        if r.get('action') == 'no-rule':
            continue
        v = which(r)
        lines.append('%s: %s' % (item_name(r), v if v is not None else '(none)'))
    return '\n'.join(lines) + ('\n' if lines else '')

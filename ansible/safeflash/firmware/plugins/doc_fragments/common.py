# -*- coding: utf-8 -*-
# The options every safeflash.firmware module shares: where safeflash
# keeps its keys and state, how it reaches a BMC, which program it is.
# Modules name it with extends_documentation_fragment:
# safeflash.firmware.common (their argument spec is module_utils'
# common_argument_spec()).

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
options:
  keys:
    description: The directory of trusted public keys (C(--keys)); safeflash's default is
      C($SAFEFLASH_KEYS) or C(/etc/safeflash/keys).
    type: path
  state_dir:
    description: safeflash's state directory (C(--state-dir)) - journal, history, staged images,
      locks; default C($SAFEFLASH_STATE_DIR) or C(/var/lib/safeflash).
    type: path
  plain_http:
    description: Speak plain HTTP to the BMC (C(--plain-http)); for an emulated or lab BMC only.
    type: bool
    default: false
  insecure:
    description: Do not verify the BMC's certificate (C(--insecure)).
    type: bool
    default: false
  ca_file:
    description: The CA certificate (PEM) that verifies the BMC's certificate (C(--ca)).
    type: path
  pin:
    description: Trust only this public key for the BMC (C(--pin), C(sha256//BASE64)).
    type: str
  redfish_password:
    description:
      - The BMC password for C(redfish://) targets. Handed to safeflash in the environment
        variable C(SAFEFLASH_REDFISH_PASSWORD), never on its command line, and never logged.
    type: str
  executable:
    description: The safeflash program, a name looked up in C(PATH) or a path.
    type: str
    default: safeflash
'''

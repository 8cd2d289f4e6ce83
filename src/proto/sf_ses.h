/*
 * sf_ses.h - SES-3/SES-4 diagnostic pages used for firmware download:
 *   00h Supported Diagnostic Pages         decode / encode
 *   01h Configuration                      decode / encode
 *   02h Enclosure Status                   encode (emulator only)
 *   0Eh Download Microcode Status          decode / encode
 *   0Eh Download Microcode Control         encode / decode
 *
 * Pure code, no I/O.  Decoders take untrusted bytes from a device and
 * never read past len; they reject pages whose lengths disagree with
 * themselves.  Field layouts: ../shared/ses-reference.md and SES-3 6.1.
 */
#ifndef SF_SES_H
#define SF_SES_H

#include <stddef.h>
#include <stdint.h>

enum {
    SF_SES_PAGE_SUPPORTED = 0x00,
    SF_SES_PAGE_CONFIG = 0x01,
    SF_SES_PAGE_ENCL_STATUS = 0x02,
    SF_SES_PAGE_HELP_TEXT = 0x03,
    SF_SES_PAGE_STRING = 0x04,
    SF_SES_PAGE_ELEM_DESC = 0x07,
    SF_SES_PAGE_DL_MICROCODE = 0x0e,
};

/* The most a RECEIVE DIAGNOSTIC RESULTS can return (16-bit allocation
 * length rounded down to a multiple of 4, as sg_ses asks). */
#define SF_SES_MAX_PAGE 65532u

/* Largest data per Download Microcode Control page: the SEND DIAGNOSTIC
 * parameter list length is 16 bits; minus the 24-byte header, rounded
 * down to a multiple of 4. */
#define SF_SES_DL_MAX_CHUNK 65508u
#define SF_SES_DL_HDR_LEN 24u

/* ---- 00h ---- */
struct sf_ses_supported {
    size_t n;
    uint8_t pages[256];
};
int sf_ses_supported_decode(const uint8_t *buf, size_t len, struct sf_ses_supported *out);
int sf_ses_supported_encode(const struct sf_ses_supported *in, uint8_t *buf, size_t cap);
int sf_ses_supported_has(const struct sf_ses_supported *s, uint8_t page);

/* ---- 01h ---- */
struct sf_ses_subenc {
    uint8_t rel_esp_id;       /* relative enclosure services process id */
    uint8_t num_esp;          /* number of enclosure services processes */
    uint8_t id;               /* subenclosure identifier */
    uint8_t num_type_hdrs;
    uint64_t logical_id;      /* enclosure logical identifier */
    char vendor[9];
    char product[17];
    char revision[5];
    uint8_t vs_len;           /* vendor-specific bytes after byte 40 */
    uint8_t vs[219];
};

struct sf_ses_type {
    uint8_t elem_type;
    uint8_t num_elements;     /* number of possible elements */
    uint8_t subenc_id;
    uint8_t text_len;
    char text[256];           /* NUL terminated copy of the text */
};

struct sf_ses_config {
    uint32_t gen;
    uint8_t num_secondary;    /* byte 1 as sent */
    size_t nsub;
    struct sf_ses_subenc *sub;  /* owned */
    size_t ntypes;
    struct sf_ses_type *types;  /* owned */
};

/*
 * Decode a Configuration page.  On success *out is a new object the caller
 * frees with sf_ses_config_free().  Errors: SF_ETRUNC (page longer than
 * buffer), SF_EMALFORMED (wrong page code, descriptor shorter than 40
 * bytes, descriptors or type headers or texts overrunning the page,
 * duplicate subenclosure identifiers), SF_ENOMEM.
 */
int sf_ses_config_decode(const uint8_t *buf, size_t len, struct sf_ses_config **out);
void sf_ses_config_free(struct sf_ses_config *c);
/* Encode; returns the length written or a negative sf_err. */
int sf_ses_config_encode(const struct sf_ses_config *c, uint8_t *buf, size_t cap);
/* The descriptor with this subenclosure id, or NULL. */
const struct sf_ses_subenc *sf_ses_config_find(const struct sf_ses_config *c, uint8_t id);

/* ---- 02h (encode only) ---- */
/* Every element reported OK, overall elements "unsupported" (0), as a
 * healthy enclosure does.  flags is byte 1 (INVOP/INFO/NON-CRIT/CRIT/UNRECOV). */
int sf_ses_encl_status_encode(const struct sf_ses_config *c, uint8_t flags,
                              uint8_t *buf, size_t cap);

/* ---- 0Eh status ---- */
enum sf_ses_dl_status_code {
    SF_DL_IDLE = 0x00,
    SF_DL_IN_PROGRESS = 0x01,
    SF_DL_UPDATING_NV = 0x02,
    SF_DL_UPDATING_NV_DEFERRED = 0x03,
    SF_DL_COMPLETE_ACTIVE = 0x10,
    SF_DL_COMPLETE_RESET = 0x11,
    SF_DL_COMPLETE_POWER_ON = 0x12,
    SF_DL_COMPLETE_DEFERRED = 0x13,
    SF_DL_ERR_FIELDS = 0x80,
    SF_DL_ERR_IMAGE = 0x81,
    SF_DL_ERR_TIMEOUT = 0x82,
    SF_DL_ERR_INTERNAL_NEED_IMAGE = 0x83,
    SF_DL_ERR_INTERNAL_SAFE = 0x84,
    SF_DL_ERR_NO_DEFERRED = 0x85,
};

struct sf_ses_dl_desc {
    uint8_t subenc_id;
    uint8_t status;
    uint8_t addl_status;
    uint32_t max_size;
    uint8_t expected_buffer_id;
    uint32_t expected_offset;  /* FFFFFFFFh: any offset */
};

struct sf_ses_dl_status {
    uint32_t gen;
    uint8_t num_secondary;     /* byte 1 as sent */
    size_t n;
    struct sf_ses_dl_desc d[256];
};

/* Decode; descriptors are counted from the page length ((len-4)/16), which
 * must be a whole number of 16-byte descriptors, at most 256. */
int sf_ses_dl_status_decode(const uint8_t *buf, size_t len, struct sf_ses_dl_status *out);
int sf_ses_dl_status_encode(const struct sf_ses_dl_status *in, uint8_t *buf, size_t cap);
const struct sf_ses_dl_desc *sf_ses_dl_status_find(const struct sf_ses_dl_status *s, uint8_t id);

/* Status classes. */
int sf_ses_dl_is_interim(uint8_t status);   /* 00h-0Fh, 70h-7Fh */
int sf_ses_dl_is_complete(uint8_t status);  /* 10h-13h */
int sf_ses_dl_is_error(uint8_t status);     /* 80h-FFh */
/* Words for a status code; never NULL. */
const char *sf_ses_dl_status_str(uint8_t status);

/* ---- 0Eh control ---- */
enum sf_ses_dl_mode {
    SF_DL_MODE_OFFSETS_ACTIVATE = 0x06,
    SF_DL_MODE_OFFSETS_SAVE_ACTIVATE = 0x07,
    SF_DL_MODE_OFFSETS_SAVE_DEFER = 0x0e,
    SF_DL_MODE_ACTIVATE_DEFERRED = 0x0f,
};

struct sf_ses_dl_ctrl {
    uint8_t subenc_id;
    uint32_t gen;             /* expected generation code */
    uint8_t mode;
    uint8_t buffer_id;
    uint32_t offset;          /* buffer offset, multiple of 4 */
    uint32_t image_len;       /* whole image */
    uint32_t data_len;        /* this chunk, before padding */
    const uint8_t *data;      /* borrowed; decode points into its input */
};

/* Total bytes of a control page carrying data_len bytes. */
size_t sf_ses_dl_ctrl_len(uint32_t data_len);
/* Encode, zero padding the data to a multiple of 4.  Returns the page length
 * written or SF_EINVAL (unaligned offset, data NULL with data_len>0) /
 * SF_ERANGE (page over 65535 bytes or cap too small). */
int sf_ses_dl_ctrl_encode(const struct sf_ses_dl_ctrl *in, uint8_t *buf, size_t cap);
/* Decode a control page as a device receives it.  SF_EMALFORMED when the
 * page code is wrong or the data length exceeds the page. */
int sf_ses_dl_ctrl_decode(const uint8_t *buf, size_t len, struct sf_ses_dl_ctrl *out);

/* Element type names (SES-3 table 68), "" if unknown. */
const char *sf_ses_elem_type_str(uint8_t type);

#endif

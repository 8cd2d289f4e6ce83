/*
 * sf_inquiry.h - INQUIRY data (SPC-4 6.6): the standard page and the vital
 * product data pages 00h (supported pages), 80h (unit serial number) and
 * 83h (device identification).  Decoders for the initiator, encoders for the
 * emulator; pure code, no I/O.
 */
#ifndef SF_INQUIRY_H
#define SF_INQUIRY_H

#include <stddef.h>
#include <stdint.h>

#define SF_PDT_DISK 0x00
#define SF_PDT_ENCLOSURE 0x0d
#define SF_PDT_UNKNOWN 0x1f

/* Standard INQUIRY data, the fields safeflash uses or the emulator sets. */
struct sf_inquiry {
    uint8_t pqual;        /* peripheral qualifier (bits 7-5) */
    uint8_t pdt;          /* peripheral device type (bits 4-0) */
    uint8_t rmb;
    uint8_t version;      /* 6 = SPC-4, 7 = SPC-5 */
    uint8_t hisup;
    uint8_t rdf;          /* response data format, 2 */
    uint8_t encserv;      /* byte 6 bit 6: embedded enclosure services */
    uint8_t multip;       /* byte 6 bit 4 */
    uint8_t cmdque;
    uint8_t addl_len;     /* as sent: total length - 5 */
    char vendor[9];       /* NUL terminated, trailing spaces kept */
    char product[17];
    char revision[5];
};

/* Decode standard INQUIRY.  Needs at least 36 bytes (SF_ETRUNC); a response
 * data format other than 2 or an additional length below 31 is
 * SF_EMALFORMED. */
int sf_inquiry_decode(const uint8_t *buf, size_t len, struct sf_inquiry *out);

/* Encode 36 bytes of standard INQUIRY data.  Strings are space padded.
 * Returns the length written or SF_ERANGE when cap < 36. */
int sf_inquiry_encode(const struct sf_inquiry *in, uint8_t *buf, size_t cap);

/* Copy a fixed-width ASCII field into a C string, replacing non-printable
 * bytes with '?'.  dst must hold n+1 bytes. */
void sf_ascii_field(char *dst, const uint8_t *src, size_t n);

/* Copy s into an n-byte field, space padded (as SPC requires). */
void sf_ascii_put(uint8_t *dst, size_t n, const char *s);

/* Trailing spaces removed, in place; returns s. */
char *sf_rtrim(char *s);

/* Peripheral device type in words, from libsgutils2's table
 * ("enclosure services device", "disk", ...). */
const char *sf_pdt_str(uint8_t pdt, char *buf, size_t len);

/* ---- VPD ---- */

#define SF_VPD_SUPPORTED 0x00
#define SF_VPD_SERIAL 0x80
#define SF_VPD_DEVID 0x83

struct sf_vpd_supported {
    uint8_t pdt;
    size_t n;
    uint8_t pages[256];
};

int sf_vpd_supported_decode(const uint8_t *buf, size_t len, struct sf_vpd_supported *out);
int sf_vpd_supported_encode(const struct sf_vpd_supported *in, uint8_t *buf, size_t cap);

struct sf_vpd_serial {
    uint8_t pdt;
    char serial[252];     /* trailing spaces trimmed */
};

int sf_vpd_serial_decode(const uint8_t *buf, size_t len, struct sf_vpd_serial *out);
int sf_vpd_serial_encode(const struct sf_vpd_serial *in, uint8_t *buf, size_t cap);

/* Designator types and associations (SPC-4 7.8.6). */
enum {
    SF_DESIG_VENDOR = 0, SF_DESIG_T10 = 1, SF_DESIG_EUI64 = 2, SF_DESIG_NAA = 3,
    SF_DESIG_REL_TPORT = 4, SF_DESIG_TPG = 5, SF_DESIG_LU_GROUP = 6,
    SF_DESIG_MD5 = 7, SF_DESIG_SCSI_NAME = 8,
};
enum { SF_ASSOC_LU = 0, SF_ASSOC_TPORT = 1, SF_ASSOC_TARGET = 2 };

struct sf_designator {
    uint8_t proto_id;
    uint8_t code_set;     /* 1 binary, 2 ASCII, 3 UTF-8 */
    uint8_t piv;
    uint8_t assoc;
    uint8_t type;
    uint8_t len;
    uint8_t id[255];
};

#define SF_VPD_DEVID_MAX 16

struct sf_vpd_devid {
    uint8_t pdt;
    size_t n;             /* designators kept (at most SF_VPD_DEVID_MAX) */
    size_t total;         /* designators present in the page */
    struct sf_designator d[SF_VPD_DEVID_MAX];
};

/* Decode VPD 83h.  A designator running past the page is SF_EMALFORMED. */
int sf_vpd_devid_decode(const uint8_t *buf, size_t len, struct sf_vpd_devid *out);
int sf_vpd_devid_encode(const struct sf_vpd_devid *in, uint8_t *buf, size_t cap);

/* The first 8-byte NAA designator with the given association, as a number.
 * Returns 0 and sets *naa, or SF_ENOTSUP when there is none. */
int sf_vpd_devid_naa(const struct sf_vpd_devid *d, uint8_t assoc, uint64_t *naa);

#endif

# Board firmware through the real Linux MTD interface: mtdram reloaded as a
# 4 MiB device with 64 KiB erase blocks (what the example layouts are sized
# for), /dev/mtd0 driven by MEMGETINFO, MEMERASE64, pread/pwrite and the
# lock ioctls (mtdram has no lock bits: EOPNOTSUPP, which safeflash takes
# as "nothing to unlock").  The flash contents are then read back through
# the kernel, independently of safeflash, and checked against the images.
EX=/safeflash/examples
rmmod mtdram 2>/dev/null
insmod "$(grep '/mtdram.ko$' /etc/modules.order)" total_size=4096 erase_size=64 \
    || fail "insmod mtdram total_size=4096 erase_size=64"
M=/dev/mtd0
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -c $M ] && break; sleep 0.2; done
expect_eq "mtd0 is a 4 MiB RAM MTD with 64 KiB blocks" \
    "$(cat /sys/class/mtd/mtd0/type) $(cat /sys/class/mtd/mtd0/size) $(cat /sys/class/mtd/mtd0/erasesize)" \
    "ram 4194304 65536"
dd if=/dev/urandom of=/tmp/v1.bin bs=1000 count=900 2>/dev/null
dd if=/dev/urandom of=/tmp/v2.bin bs=1000 count=950 2>/dev/null
# img_of OFFSET LEN: SHA-256 of the LEN image bytes of the region at
# OFFSET, read through the kernel's MTD character device.  The slot header
# is the region's first 128 bytes; the image follows it.
img_of() {
    dd if=$M bs=65536 skip=$(($1 / 65536)) count=$(( (128 + $2 + 65535) / 65536 )) 2>/dev/null \
        | head -c $((128 + $2)) | tail -c $2 | sha256sum | cut -c1-64
}
sha() { sha256sum "$1" | cut -c1-64; }

step "mtdram starts erased: show says nothing boots"
expect_exit 0 $SF show mtd:$M --layout $EX/primary-backup.layout
expect_contains "nothing" "$OUT" "NOTHING BOOTS"

step "primary-backup: first install through the MTD ioctls"
expect_exit 0 $SF install /tmp/v1.bin mtd:$M --layout $EX/primary-backup.layout --image-version 1.0 --yes --json
expect_contains "boots after" "$OUT" '"version_after":"1.0"'
expect_eq "primary image as the kernel reads it" "$(img_of 0 900000)" "$(sha /tmp/v1.bin)"

step "primary-backup: second install saves the primary to the backup first"
expect_exit 0 $SF install /tmp/v2.bin mtd:$M --layout $EX/primary-backup.layout --image-version 2.0 --yes
expect_contains "updated" "$OUT" "1.0 -> 2.0"
expect_eq "primary holds 2.0" "$(img_of 0 950000)" "$(sha /tmp/v2.bin)"
expect_eq "backup holds 1.0" "$(img_of 2097152 900000)" "$(sha /tmp/v1.bin)"
expect_exit 0 $SF show mtd:$M --layout $EX/primary-backup.layout --json
expect_contains "show" "$OUT" '"boots":"primary"'

step "the same image again: delta writes erase and program nothing"
expect_exit 0 $SF install /tmp/v2.bin mtd:$M --layout $EX/primary-backup.layout --image-version 2.0 --yes --json
expect_contains "nothing to do" "$OUT" '"outcome":"skipped"'
expect_contains "nothing erased" "$OUT" '"bytes_erased":0,'
expect_contains "nothing programmed" "$OUT" '"bytes_programmed":0}'

step "history records the MTD runs"
expect_exit 0 $SF history
expect_contains "history" "$OUT" "mtd:$M"

step "ab: the second install writes the slot that does not boot"
rmmod mtdram
insmod "$(grep '/mtdram.ko$' /etc/modules.order)" total_size=4096 erase_size=64
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -c $M ] && break; sleep 0.2; done
expect_exit 0 $SF install /tmp/v1.bin mtd:$M --layout $EX/ab.layout --image-version 1.0 --yes
A1=$(img_of 0 900000)
expect_exit 0 $SF install /tmp/v2.bin mtd:$M --layout $EX/ab.layout --image-version 2.0 --yes
expect_eq "slot a (booted during the update) still holds 1.0" "$(img_of 0 900000)" "$A1"
expect_eq "slot b holds 2.0" "$(img_of 2097152 950000)" "$(sha /tmp/v2.bin)"
expect_exit 0 $SF show mtd:$M --layout $EX/ab.layout --json
expect_contains "slot b boots" "$OUT" '"boots":"b"'

step "wrong device: a character device that is not MTD gets a one-line error"
expect_exit 10 $SF show mtd:/dev/null --layout $EX/ab.layout
expect_contains "says why" "$ERR" "not an MTD device"

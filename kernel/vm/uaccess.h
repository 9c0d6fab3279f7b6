/*
 * uaccess.h - the only way the kernel touches user memory: every pointer and length is
 * checked (NULL page, kernel or non-canonical addresses, overflow, the top of user space),
 * the copy runs with SMAP opened (stac) and a catch point armed, and a fault in it gives
 * -QE_FAULT instead of a kernel fault. Demand pages fault in as usual during the copy, and
 * a page in swap is read back: a copy may sleep, so it is never called with a spinlock held
 * or with the caller's own address-space mutex held (specs/concurrency.md).
 */
#ifndef QUIRE_VM_UACCESS_H
#define QUIRE_VM_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* uaccess_check - 0 if [uaddr, uaddr+len) is a plausible user range, else -QE_FAULT. */
int uaccess_check(uint64_t uaddr, size_t len);

/* copy_from_user - @len bytes from user @src; 0 or -QE_FAULT. */
int copy_from_user(void *dst, uint64_t src, size_t len);

/* copy_to_user - @len bytes to user @dst; 0 or -QE_FAULT. */
int copy_to_user(uint64_t dst, const void *src, size_t len);

#endif

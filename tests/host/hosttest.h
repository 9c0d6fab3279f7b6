/*
 * hosttest.h - what every host unit test includes: cmocka and the C library.
 * Host tests link the kernel's portable sources directly (tests/host.mk lists them).
 */
#ifndef QUIRE_HOSTTEST_H
#define QUIRE_HOSTTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#endif

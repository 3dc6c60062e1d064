/* SPDX-License-Identifier: MIT */
/*
 * common/mem.h — memory settings for programs that build large tables.
 *
 * On these VMs a page fault costs ~13 us, so memory given back to the kernel
 * and touched again is expensive, and so is faulting in a big buffer one page
 * at a time. glibc's defaults do both: large blocks come from mmap and, once
 * one is freed, the mmap threshold rises so the next large realloc copies
 * inside the heap instead of using mremap; and freed heap tops are trimmed.
 */
#ifndef PLUMB_COMMON_MEM_H
#define PLUMB_COMMON_MEM_H

#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

/* First thing in main of netctl and plumb-svc. */
static inline void plumb_mem_tune(void)
{
	/* Fixed threshold: blocks of 1 MiB and more are mmap'd and grow with
	 * mremap (no copy, no re-fault of what was there); smaller ones, like a
	 * 128 KiB nft batch per change, are reused from the heap. */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	/* Keep up to 64 MiB of freed heap top rather than fault it in again. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

/* Fault in [p, p + len) in one call before writing it all: ~5 us a page
 * instead of ~13 for a fault per page here. Large buffers only; a kernel
 * without MADV_POPULATE_WRITE just faults as before. */
static inline void plumb_mem_populate(void *p, size_t len)
{
	uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
	uintptr_t e = ((uintptr_t)p + len) & ~(uintptr_t)4095;

	if (len >= (1 << 20) && e > a)
		(void)madvise((void *)a, e - a, MADV_POPULATE_WRITE);
}

#endif

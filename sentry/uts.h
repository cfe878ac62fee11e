/*
 * The kernel identity the guest sees: uname(2) and /proc (version, osrelease, ostype) answer
 * from these, so the guest sees one kernel whichever way it asks.
 */
#ifndef CVISOR_UTS_H
#define CVISOR_UTS_H

#define CVISOR_UTS_SYSNAME "Linux"
#define CVISOR_UTS_RELEASE "6.6.0"
#define CVISOR_UTS_VERSION "#1 SMP PREEMPT_DYNAMIC cvisor"
#define CVISOR_UTS_MACHINE "x86_64"

/* Every field of the kernel's struct new_utsname is this long, NUL included. */
#define CVISOR_UTS_LEN 65

#endif

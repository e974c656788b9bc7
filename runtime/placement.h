/* Where the daemon's loop runs. The loop is the serial part of the daemon;
 * on a machine whose storage interrupts are all taken by one CPU (a VM
 * with a single-queue virtio disk, for one), the completion work of every
 * worker's fsync lands on whatever runs there. Pinning the loop's thread
 * to another CPU keeps that work off it, while the processes the host
 * starts keep the whole mask (sl_host_pin_loop). */
#ifndef SL_PLACEMENT_H
#define SL_PLACEMENT_H

#include <sched.h>

/* The CPU in allowed that has taken the fewest device interrupts, read
 * from text in the form of /proc/interrupts (a header of CPUn columns,
 * then a line per interrupt; only those numbered, the devices', count).
 * Ties go to the lowest CPU. -1 when the text cannot be read as that
 * form or names no CPU of allowed. */
int sl_placement_quietest_cpu(const char *interrupts, const cpu_set_t *allowed);

/* The same for this machine, from /proc/interrupts and the calling
 * thread's mask. -1 with errno when either cannot be read. */
int sl_placement_quietest_cpu_here(void);

#endif

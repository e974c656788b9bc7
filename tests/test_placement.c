/* Suite "placement": choosing the loop's CPU from /proc/interrupts
 * (runtime/placement.c). */
#include <check.h>
#include <sched.h>

#include "runtime/placement.h"

/* The form of a 2-CPU VM whose disk queue interrupts CPU1 only. */
static const char vm[] =
    "           CPU0       CPU1       \n"
    "  0:         33          0   IO-APIC   2-edge      timer\n"
    " 31:          0       6885  PCI-MSIX-0000:00:01.0   3-edge  virtio0\n"
    " 32:       2894          0  PCI-MSIX-0000:00:01.0   4-edge  virtio0\n"
    " 36:          0   44161196  PCI-MSIX-0000:00:02.0   1-edge  virtio1-req.0\n"
    "NMI:   99999999          0   Non-maskable interrupts\n"
    "LOC:   88888888   77777777   Local timer interrupts\n"
    "ERR:          0\n";

static cpu_set_t
cpus(int a, int b)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	if (a >= 0)
		CPU_SET(a, &s);
	if (b >= 0)
		CPU_SET(b, &s);
	return s;
}

START_TEST(test_placement_quietest)
{
	cpu_set_t both = cpus(0, 1), one = cpus(1, -1), none = cpus(-1, -1);
	cpu_set_t far = cpus(5, -1);

	/* The device lines count, the per-CPU rows (NMI, LOC) do not. */
	ck_assert_int_eq(sl_placement_quietest_cpu(vm, &both), 0);
	/* Only allowed CPUs are chosen from. */
	ck_assert_int_eq(sl_placement_quietest_cpu(vm, &one), 1);
	ck_assert_int_eq(sl_placement_quietest_cpu(vm, &none), -1);
	ck_assert_int_eq(sl_placement_quietest_cpu(vm, &far), -1);
	/* Columns name CPUs (an offline CPU has none); ties go low. */
	ck_assert_int_eq(sl_placement_quietest_cpu(
	    "  CPU2 CPU5\n 9: 7 3 x\n10: 0 1 y\n", &both), -1);
	ck_assert_int_eq(sl_placement_quietest_cpu(
	    "  CPU2 CPU5\n 9: 7 3 x\n10: 0 1 y\n", &far), 5);
	far = cpus(2, 5);
	ck_assert_int_eq(sl_placement_quietest_cpu(
	    "  CPU2 CPU5\n 9: 7 3 x\n10: 0 4 y\n", &far), 2);
	ck_assert_int_eq(sl_placement_quietest_cpu(
	    "  CPU2 CPU5\n 9: 1 1 x\n", &far), 2);
	/* Not that form. */
	ck_assert_int_eq(sl_placement_quietest_cpu("", &both), -1);
	ck_assert_int_eq(sl_placement_quietest_cpu("hello\n 1: 2\n", &both),
	    -1);
	ck_assert_int_eq(sl_placement_quietest_cpu("CPU0 CPUx\n", &both), -1);
}
END_TEST

/* This machine's own file reads, and names a CPU this process has. */
START_TEST(test_placement_here)
{
	cpu_set_t mine;
	int cpu = sl_placement_quietest_cpu_here();

	ck_assert_int_eq(sched_getaffinity(0, sizeof(mine), &mine), 0);
	ck_assert_int_ge(cpu, 0);
	ck_assert(CPU_ISSET(cpu, &mine));
}
END_TEST

Suite *
placement_suite(void)
{
	Suite *s = suite_create("placement");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_placement_quietest);
	tcase_add_test(tc, test_placement_here);
	suite_add_tcase(s, tc);
	return s;
}

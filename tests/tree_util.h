/* Removing a test's or benchmark's scratch directory, for the Check suites
 * and the benchmark programs alike. */
#ifndef TESTS_TREE_UTIL_H
#define TESTS_TREE_UTIL_H

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

static int
tu_rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove dir and everything below it, without following links; what
 * cannot be removed stays. */
static __attribute__((unused)) void
tu_rm_rf(const char *dir)
{
	nftw(dir, tu_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

#endif

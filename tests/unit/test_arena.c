/* test_arena.c: the arena hands out aligned memory, grows, and releases deferred objects */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "infra/arena.h"

static int released;

static void count_release(void *p)
{
	released += *(int *)p;
}

static void test_alloc_is_aligned_and_distinct(void **state)
{
	struct arena *a = arena_new();
	char *p = arena_alloc(a, 3), *q = arena_alloc(a, 5);

	assert_true(((uintptr_t)p % 16) == 0);
	assert_true(((uintptr_t)q % 16) == 0);
	assert_true(q >= p + 3);
	arena_free(a);
}

static void test_big_allocations_and_reset_keep_memory_bounded(void **state)
{
	struct arena *a = arena_new();
	size_t before = arena_bytes_held(a);

	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < 50; i++)
			memset(arena_alloc(a, 1000), 'x', 1000);
		memset(arena_alloc(a, 1 << 20), 'y', 1 << 20);
		arena_reset(a);
		assert_int_equal(arena_bytes_held(a), before);
	}
	arena_free(a);
}

static void test_printf_and_strdup(void **state)
{
	struct arena *a = arena_new();

	assert_string_equal(arena_printf(a, "%s-%d", "call", 42), "call-42");
	assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
	assert_null(arena_strdup(a, NULL));
	char *long_text = arena_printf(a, "%5000d", 7);
	assert_int_equal(strlen(long_text), 5000);
	arena_free(a);
}

static void test_deferred_objects_are_released_on_reset(void **state)
{
	struct arena *a = arena_new();
	int one = 1, ten = 10;

	released = 0;
	arena_defer(a, count_release, &one);
	arena_defer(a, count_release, &ten);
	arena_defer(a, count_release, NULL);
	assert_int_equal(released, 0);
	arena_reset(a);
	assert_int_equal(released, 11);
	arena_reset(a);
	assert_int_equal(released, 11);
	arena_free(a);
}

static void test_calloc_zeroes(void **state)
{
	struct arena *a = arena_new();
	memset(arena_alloc(a, 256), 0xff, 256);
	arena_reset(a);
	unsigned char *p = arena_calloc(a, 16, 16);
	for (int i = 0; i < 256; i++)
		assert_int_equal(p[i], 0);
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_is_aligned_and_distinct),
		cmocka_unit_test(test_big_allocations_and_reset_keep_memory_bounded),
		cmocka_unit_test(test_printf_and_strdup),
		cmocka_unit_test(test_deferred_objects_are_released_on_reset),
		cmocka_unit_test(test_calloc_zeroes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

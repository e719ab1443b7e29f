/* json_same.h — for tests: two jansson values equal, objects' keys in the
 * same order (json_equal does not look at order). Header only. */
#ifndef HL_TEST_JSON_SAME_H
#define HL_TEST_JSON_SAME_H

#include <jansson.h>
#include <stdbool.h>
#include <string.h>

static inline bool json_same(json_t *a, json_t *b)
{
	if (!a || !b)
		return a == b;
	if (json_typeof(a) != json_typeof(b))
		return false;
	switch (json_typeof(a)) {
	case JSON_OBJECT: {
		if (json_object_size(a) != json_object_size(b))
			return false;
		void *ia = json_object_iter(a), *ib = json_object_iter(b);
		for (; ia && ib; ia = json_object_iter_next(a, ia), ib = json_object_iter_next(b, ib)) {
			size_t la = json_object_iter_key_len(ia), lb = json_object_iter_key_len(ib);
			if (la != lb || memcmp(json_object_iter_key(ia), json_object_iter_key(ib), la) ||
			    !json_same(json_object_iter_value(ia), json_object_iter_value(ib)))
				return false;
		}
		return !ia && !ib;
	}
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!json_same(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
	case JSON_INTEGER:
		return json_integer_value(a) == json_integer_value(b);
	case JSON_REAL:
		return memcmp(&(double){json_real_value(a)}, &(double){json_real_value(b)},
			      sizeof(double)) == 0;
	default:
		return true; /* true, false, null */
	}
}

#endif

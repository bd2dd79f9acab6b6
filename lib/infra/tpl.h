/* tpl.h: C interface to ctemplate; every variable is HTML-escaped unless a template says not */
#ifndef SB_TPL_H
#define SB_TPL_H

struct arena;
struct buf;
struct tpl_dict;

/* Where templates are read from; call once at start-up. */
void tpl_init(const char *template_dir);

/* A new top-level dictionary, owned by the arena (released with it). */
struct tpl_dict *tpl_dict_new(struct arena *a, const char *name);

/* Set a variable (the value is copied; NULL sets ""). */
void tpl_set(struct tpl_dict *d, const char *name, const char *value);
void tpl_set_long(struct tpl_dict *d, const char *name, long value);

/* Show section name once more and return its dictionary (borrowed: owned by d). */
struct tpl_dict *tpl_section(struct tpl_dict *d, const char *name);

/* Show section name once, with d's own variables. */
void tpl_show(struct tpl_dict *d, const char *name);

/*
 * Expand include marker {{>name}} of d's template once more with templates/<file> (NULL: name
 * it later with tpl_include_file()), and return the included template's dictionary (owned by
 * d). An included template sees its own dictionary's values only, not d's.
 */
struct tpl_dict *tpl_include(struct tpl_dict *d, const char *name, const char *file);

/* Name the template an include dictionary made by tpl_include() expands. */
void tpl_include_file(struct tpl_dict *include, const char *file);

/* The dictionary d was made in by tpl_section() or tpl_include(); NULL for a top-level one. */
struct tpl_dict *tpl_parent(struct tpl_dict *d);

/* Expand templates/<file> with d, appending to out. Returns 0, or -1 (logged) on failure. */
int tpl_render(const char *file, struct tpl_dict *d, struct buf *out);

/* Read every template again on next use (for development and tests). */
void tpl_reload(void);

#endif

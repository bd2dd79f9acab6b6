// tpl.cc: the one place Switchboard touches ctemplate's C++ API
#include <ctemplate/template.h>
#include <string>

extern "C" {
#include "infra/tpl.h"
#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/log.h"
}

using ctemplate::TemplateDictionary;

struct tpl_dict {
	TemplateDictionary *dict;
	struct arena *arena;    // where handles of section dictionaries are kept
	struct tpl_dict *parent;
};

static void tpl_release(void *dict)
{
	delete static_cast<TemplateDictionary *>(dict);
}

extern "C" void tpl_init(const char *template_dir)
{
	ctemplate::mutable_default_template_cache()->SetTemplateRootDirectory(template_dir);
}

extern "C" struct tpl_dict *tpl_dict_new(struct arena *a, const char *name)
{
	struct tpl_dict *d = static_cast<struct tpl_dict *>(arena_alloc(a, sizeof(*d)));

	d->dict = new TemplateDictionary(name ? name : "page");
	d->arena = a;
	d->parent = NULL;
	arena_defer(a, tpl_release, d->dict);
	return d;
}

extern "C" void tpl_set(struct tpl_dict *d, const char *name, const char *value)
{
	d->dict->SetValue(name, value ? value : "");
}

extern "C" void tpl_set_long(struct tpl_dict *d, const char *name, long value)
{
	d->dict->SetIntValue(name, value);
}

extern "C" struct tpl_dict *tpl_section(struct tpl_dict *d, const char *name)
{
	// The child dictionary belongs to its parent; only the handle lives in the arena.
	struct tpl_dict *child = static_cast<struct tpl_dict *>(arena_alloc(d->arena, sizeof(*child)));

	child->dict = d->dict->AddSectionDictionary(name);
	child->arena = d->arena;
	child->parent = d;
	return child;
}

extern "C" struct tpl_dict *tpl_include(struct tpl_dict *d, const char *name, const char *file)
{
	// Like a section's, the included dictionary belongs to its parent.
	struct tpl_dict *child =
		static_cast<struct tpl_dict *>(arena_alloc(d->arena, sizeof(*child)));

	child->dict = d->dict->AddIncludeDictionary(name);
	child->arena = d->arena;
	child->parent = d;
	if (file)
		child->dict->SetFilename(file);
	return child;
}

extern "C" void tpl_include_file(struct tpl_dict *include, const char *file)
{
	include->dict->SetFilename(file);
}

extern "C" struct tpl_dict *tpl_parent(struct tpl_dict *d)
{
	return d->parent;
}

extern "C" void tpl_show(struct tpl_dict *d, const char *name)
{
	d->dict->ShowSection(name);
}

extern "C" int tpl_render(const char *file, struct tpl_dict *d, struct buf *out)
{
	std::string text;

	if (!ctemplate::ExpandTemplate(file, ctemplate::STRIP_BLANK_LINES, d->dict, &text)) {
		log_error("could not expand template %s", file);
		return -1;
	}
	buf_add(out, text.data(), text.size());
	return 0;
}

extern "C" void tpl_reload(void)
{
	ctemplate::mutable_default_template_cache()->ReloadAllIfChanged(
		ctemplate::TemplateCache::LAZY_RELOAD);
}

build2/obj/src/lib/engine/tokenizer.o: src/lib/engine/tokenizer.c \
 include/kolm/gguf.h include/kolm/err.h include/kolm/tokenizer.h \
 include/kolm/util.h src/lib/engine/tokenizer_unicode_internal.h
include/kolm/gguf.h:
include/kolm/err.h:
include/kolm/tokenizer.h:
include/kolm/util.h:
src/lib/engine/tokenizer_unicode_internal.h:

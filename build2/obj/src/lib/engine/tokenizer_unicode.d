build2/obj/src/lib/engine/tokenizer_unicode.o: \
 src/lib/engine/tokenizer_unicode.c \
 src/lib/engine/tokenizer_unicode_internal.h
src/lib/engine/tokenizer_unicode_internal.h:

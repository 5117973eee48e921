build2/obj/src/lib/engine/eval.o: src/lib/engine/eval.c \
 include/kolm/engine.h include/kolm/err.h include/kolm/eval.h \
 include/kolm/tokenizer.h include/kolm/util.h
include/kolm/engine.h:
include/kolm/err.h:
include/kolm/eval.h:
include/kolm/tokenizer.h:
include/kolm/util.h:

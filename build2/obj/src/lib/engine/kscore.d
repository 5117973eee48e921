build2/obj/src/lib/engine/kscore.o: src/lib/engine/kscore.c \
 include/kolm/engine.h include/kolm/err.h include/kolm/eval.h
include/kolm/engine.h:
include/kolm/err.h:
include/kolm/eval.h:

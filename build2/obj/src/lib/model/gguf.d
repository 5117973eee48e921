build2/obj/src/lib/model/gguf.o: src/lib/model/gguf.c include/kolm/gguf.h \
 include/kolm/err.h include/kolm/types.h include/kolm/fp16.h \
 include/kolm/util.h
include/kolm/gguf.h:
include/kolm/err.h:
include/kolm/types.h:
include/kolm/fp16.h:
include/kolm/util.h:

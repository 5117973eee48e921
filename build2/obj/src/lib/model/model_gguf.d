build2/obj/src/lib/model/model_gguf.o: src/lib/model/model_gguf.c \
 include/kolm/gguf.h include/kolm/err.h include/kolm/model.h \
 include/kolm/types.h include/kolm/fp16.h include/kolm/util.h \
 src/lib/model/model_internal.h
include/kolm/gguf.h:
include/kolm/err.h:
include/kolm/model.h:
include/kolm/types.h:
include/kolm/fp16.h:
include/kolm/util.h:
src/lib/model/model_internal.h:

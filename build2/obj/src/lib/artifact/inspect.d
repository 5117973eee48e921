build2/obj/src/lib/artifact/inspect.o: src/lib/artifact/inspect.c \
 include/kolm/inspect.h include/kolm/err.h include/kolm/gguf.h \
 include/kolm/model.h include/kolm/safetensors.h include/kolm/artifact.h \
 include/kolm/util.h include/kolm/types.h include/kolm/fp16.h \
 src/lib/artifact/artifact_internal.h
include/kolm/inspect.h:
include/kolm/err.h:
include/kolm/gguf.h:
include/kolm/model.h:
include/kolm/safetensors.h:
include/kolm/artifact.h:
include/kolm/util.h:
include/kolm/types.h:
include/kolm/fp16.h:
src/lib/artifact/artifact_internal.h:

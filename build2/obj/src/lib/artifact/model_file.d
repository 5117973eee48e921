build2/obj/src/lib/artifact/model_file.o: src/lib/artifact/model_file.c \
 include/kolm/artifact.h include/kolm/err.h include/kolm/util.h \
 include/kolm/gguf.h include/kolm/hfdir.h include/kolm/model.h \
 include/kolm/types.h include/kolm/fp16.h
include/kolm/artifact.h:
include/kolm/err.h:
include/kolm/util.h:
include/kolm/gguf.h:
include/kolm/hfdir.h:
include/kolm/model.h:
include/kolm/types.h:
include/kolm/fp16.h:

build2/obj/src/lib/model/safetensors.o: src/lib/model/safetensors.c \
 include/kolm/safetensors.h include/kolm/err.h include/kolm/types.h \
 include/kolm/fp16.h include/kolm/util.h
include/kolm/safetensors.h:
include/kolm/err.h:
include/kolm/types.h:
include/kolm/fp16.h:
include/kolm/util.h:

build2/obj/src/lib/model/hfdir.o: src/lib/model/hfdir.c \
 include/kolm/hfdir.h include/kolm/err.h include/kolm/model.h \
 include/kolm/safetensors.h include/kolm/types.h include/kolm/fp16.h \
 include/kolm/util.h src/lib/model/model_internal.h
include/kolm/hfdir.h:
include/kolm/err.h:
include/kolm/model.h:
include/kolm/safetensors.h:
include/kolm/types.h:
include/kolm/fp16.h:
include/kolm/util.h:
src/lib/model/model_internal.h:

build2/obj/src/lib/model/model.o: src/lib/model/model.c \
 include/kolm/model.h include/kolm/err.h src/lib/core/json_internal.h \
 include/kolm/types.h include/kolm/fp16.h include/kolm/util.h \
 src/lib/model/model_internal.h
include/kolm/model.h:
include/kolm/err.h:
src/lib/core/json_internal.h:
include/kolm/types.h:
include/kolm/fp16.h:
include/kolm/util.h:
src/lib/model/model_internal.h:

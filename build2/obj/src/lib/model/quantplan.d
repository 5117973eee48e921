build2/obj/src/lib/model/quantplan.o: src/lib/model/quantplan.c \
 src/lib/model/quantplan_internal.h include/kolm/quantplan.h \
 include/kolm/err.h include/kolm/model.h include/kolm/types.h \
 include/kolm/fp16.h include/kolm/util.h
src/lib/model/quantplan_internal.h:
include/kolm/quantplan.h:
include/kolm/err.h:
include/kolm/model.h:
include/kolm/types.h:
include/kolm/fp16.h:
include/kolm/util.h:

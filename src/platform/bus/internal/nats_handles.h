// Owning handles for the libnats objects the NATS backend holds, so that
// every early return frees what it made. Internal to the backend: nothing
// outside src/platform/bus includes nats.h.
#pragma once

#include <nats/nats.h>

#include <memory>

namespace cafe::bus::internal {

template <class T, void (*Destroy)(T*)>
struct NatsDeleter {
  void operator()(T* p) const noexcept { Destroy(p); }
};

using MsgPtr = std::unique_ptr<natsMsg, NatsDeleter<natsMsg, natsMsg_Destroy>>;
using SubPtr = std::unique_ptr<natsSubscription, NatsDeleter<natsSubscription, natsSubscription_Destroy>>;
using StreamInfoPtr = std::unique_ptr<jsStreamInfo, NatsDeleter<jsStreamInfo, jsStreamInfo_Destroy>>;
using ConsumerInfoPtr = std::unique_ptr<jsConsumerInfo, NatsDeleter<jsConsumerInfo, jsConsumerInfo_Destroy>>;
using PubAckPtr = std::unique_ptr<jsPubAck, NatsDeleter<jsPubAck, jsPubAck_Destroy>>;
using MetaDataPtr = std::unique_ptr<jsMsgMetaData, NatsDeleter<jsMsgMetaData, jsMsgMetaData_Destroy>>;
using StreamNamesPtr =
    std::unique_ptr<jsStreamNamesList, NatsDeleter<jsStreamNamesList, jsStreamNamesList_Destroy>>;
using KvStorePtr = std::unique_ptr<kvStore, NatsDeleter<kvStore, kvStore_Destroy>>;

}  // namespace cafe::bus::internal

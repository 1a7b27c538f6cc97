// vmha's small libvirt addon: exactly what @unraid/libvirt lacks (it lists the domains).
//   qemuAgentCommand(uri, uuid, json, timeoutSec) -> Promise<string>  (virDomainQemuAgentCommand)
//   domainState(uri, uuid) -> Promise<{state, reason}>                 (virDomainGetState)
//   subscribe(uri, callback) -> id ; unsubscribe(id)                   (domain events)
// Blocking libvirt calls run on the libuv thread pool; events come from a libvirt event
// loop thread and reach JavaScript through a thread-safe function.
#include <napi.h>
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

struct LvError {
  int code = 0;
  int domain = 0;
  std::string message;
};

LvError LastError(const char* fallback) {
  LvError e;
  virErrorPtr err = virGetLastError();
  if (err) {
    e.code = err->code;
    e.domain = err->domain;
    e.message = err->message ? err->message : fallback;
  } else {
    e.message = fallback;
  }
  virResetLastError();
  return e;
}

Napi::Error ToJsError(Napi::Env env, const LvError& e) {
  Napi::Error err = Napi::Error::New(env, e.message);
  err.Set("virCode", Napi::Number::New(env, e.code));
  err.Set("virDomain", Napi::Number::New(env, e.domain));
  return err;
}

// Silence libvirt's default error printing to stderr: errors are returned to JS instead.
void QuietErrors(void*, virErrorPtr) {}

// One shared connection per URI, reopened when it dies.
std::mutex conn_mutex;
std::map<std::string, virConnectPtr> conns;

virConnectPtr Connection(const std::string& uri, LvError* out) {
  std::lock_guard<std::mutex> lock(conn_mutex);
  auto it = conns.find(uri);
  if (it != conns.end()) {
    if (virConnectIsAlive(it->second) == 1) return it->second;
    virConnectClose(it->second);
    conns.erase(it);
  }
  virConnectPtr c = virConnectOpen(uri.c_str());
  if (!c) {
    *out = LastError("cannot connect to libvirt");
    return nullptr;
  }
  conns[uri] = c;
  return c;
}

void DropConnection(const std::string& uri, virConnectPtr c) {
  std::lock_guard<std::mutex> lock(conn_mutex);
  auto it = conns.find(uri);
  if (it != conns.end() && it->second == c && virConnectIsAlive(c) != 1) {
    virConnectClose(c);
    conns.erase(it);
  }
}

std::once_flag loop_once;
void StartEventLoop() {
  std::call_once(loop_once, [] {
    std::thread([] {
      for (;;) virEventRunDefaultImpl();
    }).detach();
  });
}

class AgentCommandWorker : public Napi::AsyncWorker {
 public:
  AgentCommandWorker(Napi::Env env, std::string uri, std::string uuid, std::string json, int timeout)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), uri_(std::move(uri)),
        uuid_(std::move(uuid)), json_(std::move(json)), timeout_(timeout) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    virConnectPtr c = Connection(uri_, &err_);
    if (!c) return Fail();
    virDomainPtr dom = virDomainLookupByUUIDString(c, uuid_.c_str());
    if (!dom) {
      err_ = LastError("domain not found");
      DropConnection(uri_, c);
      return Fail();
    }
    char* reply = virDomainQemuAgentCommand(dom, json_.c_str(), timeout_, 0);
    if (!reply) {
      err_ = LastError("guest agent command failed");
      virDomainFree(dom);
      DropConnection(uri_, c);
      return Fail();
    }
    result_ = reply;
    free(reply);
    virDomainFree(dom);
  }

  void OnOK() override {
    if (failed_) deferred_.Reject(ToJsError(Env(), err_).Value());
    else deferred_.Resolve(Napi::String::New(Env(), result_));
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  void Fail() { failed_ = true; }
  Napi::Promise::Deferred deferred_;
  std::string uri_, uuid_, json_, result_;
  int timeout_;
  bool failed_ = false;
  LvError err_;
};

// virDomainGetState: @unraid/libvirt gives the state but not its reason, and only the
// reason tells a domain paused on an I/O error from one an operator paused.
class StateWorker : public Napi::AsyncWorker {
 public:
  StateWorker(Napi::Env env, std::string uri, std::string uuid)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), uri_(std::move(uri)), uuid_(std::move(uuid)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    virConnectPtr c = Connection(uri_, &err_);
    if (!c) {
      failed_ = true;
      return;
    }
    virDomainPtr dom = virDomainLookupByUUIDString(c, uuid_.c_str());
    if (!dom || virDomainGetState(dom, &state_, &reason_, 0) < 0) {
      err_ = LastError("cannot get the domain state");
      failed_ = true;
      DropConnection(uri_, c);
    }
    if (dom) virDomainFree(dom);
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (failed_) return deferred_.Reject(ToJsError(env, err_).Value());
    Napi::Object o = Napi::Object::New(env);
    o.Set("state", state_);
    o.Set("reason", reason_);
    deferred_.Resolve(o);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string uri_, uuid_;
  bool failed_ = false;
  int state_ = 0, reason_ = 0;
  LvError err_;
};

// ---- events ----

struct EventData {
  std::string type, uuid, name, detail1, detail2;
  int a = 0, b = 0;
};

struct Subscription {
  virConnectPtr conn = nullptr;
  std::vector<int> callbacks;
  Napi::ThreadSafeFunction tsfn;
};

std::mutex sub_mutex;
std::map<int, Subscription*> subs;
std::atomic<int> next_sub{1};

void Deliver(Subscription* s, EventData* ev) {
  napi_status st = s->tsfn.NonBlockingCall(ev, [](Napi::Env env, Napi::Function fn, EventData* e) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("type", e->type);
    o.Set("uuid", e->uuid);
    o.Set("name", e->name);
    if (e->type == "lifecycle") {
      o.Set("event", e->a);
      o.Set("detail", e->b);
    } else if (e->type == "agent") {
      o.Set("state", e->a);
      o.Set("reason", e->b);
    } else if (e->type == "io-error") {
      o.Set("action", e->a);
      o.Set("srcPath", e->detail1);
      o.Set("reason", e->detail2);
    }
    delete e;
    fn.Call({o});
  });
  if (st != napi_ok) delete ev;
}

EventData* Base(const char* type, virDomainPtr dom) {
  auto* e = new EventData();
  e->type = type;
  char buf[VIR_UUID_STRING_BUFLEN];
  if (virDomainGetUUIDString(dom, buf) == 0) e->uuid = buf;
  const char* name = virDomainGetName(dom);
  if (name) e->name = name;
  return e;
}

int OnLifecycle(virConnectPtr, virDomainPtr dom, int event, int detail, void* opaque) {
  EventData* e = Base("lifecycle", dom);
  e->a = event;
  e->b = detail;
  Deliver(static_cast<Subscription*>(opaque), e);
  return 0;
}

void OnAgent(virConnectPtr, virDomainPtr dom, int state, int reason, void* opaque) {
  EventData* e = Base("agent", dom);
  e->a = state;
  e->b = reason;
  Deliver(static_cast<Subscription*>(opaque), e);
}

void OnIoError(virConnectPtr, virDomainPtr dom, const char* srcPath, const char* devAlias, int action, const char* reason,
               void* opaque) {
  EventData* e = Base("io-error", dom);
  e->a = action;
  e->detail1 = srcPath ? srcPath : "";
  e->detail2 = reason ? reason : "";
  Deliver(static_cast<Subscription*>(opaque), e);
}

Napi::Value Subscribe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsFunction()) {
    Napi::TypeError::New(env, "subscribe(uri, callback)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string uri = info[0].As<Napi::String>();
  StartEventLoop();
  // Its own connection: events stop with it, and a failed agent call never tears it down.
  virConnectPtr c = virConnectOpen(uri.c_str());
  if (!c) {
    ToJsError(env, LastError("cannot connect to libvirt")).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* s = new Subscription();
  s->conn = c;
  s->tsfn = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "vmha-libvirt-events", 0, 1);
  s->tsfn.Unref(env);  // the subscription alone does not keep node running
  int ids[3] = {
      virConnectDomainEventRegisterAny(c, nullptr, VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(OnLifecycle), s, nullptr),
      virConnectDomainEventRegisterAny(c, nullptr, VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(OnAgent), s, nullptr),
      virConnectDomainEventRegisterAny(c, nullptr, VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON, VIR_DOMAIN_EVENT_CALLBACK(OnIoError), s, nullptr),
  };
  for (int id : ids) {
    if (id < 0) {
      LvError e = LastError("cannot register for domain events");
      for (int ok : ids)
        if (ok >= 0) virConnectDomainEventDeregisterAny(c, ok);
      virConnectClose(c);
      s->tsfn.Release();
      delete s;
      ToJsError(env, e).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    s->callbacks.push_back(id);
  }
  int sid = next_sub++;
  {
    std::lock_guard<std::mutex> lock(sub_mutex);
    subs[sid] = s;
  }
  return Napi::Number::New(env, sid);
}

Napi::Value Unsubscribe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sid = info[0].As<Napi::Number>().Int32Value();
  Subscription* s = nullptr;
  {
    std::lock_guard<std::mutex> lock(sub_mutex);
    auto it = subs.find(sid);
    if (it == subs.end()) return Napi::Boolean::New(env, false);
    s = it->second;
    subs.erase(it);
  }
  for (int id : s->callbacks) virConnectDomainEventDeregisterAny(s->conn, id);
  virConnectClose(s->conn);
  s->tsfn.Release();
  // The event thread may still hold a queued call; the Subscription is leaked rather
  // than risk a use-after-free (a few bytes per unsubscribe).
  return Napi::Boolean::New(env, true);
}

Napi::Value QemuAgentCommand(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsString() || !info[1].IsString() || !info[2].IsString() || !info[3].IsNumber()) {
    Napi::TypeError::New(env, "qemuAgentCommand(uri, uuid, json, timeoutSec)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* w = new AgentCommandWorker(env, info[0].As<Napi::String>(), info[1].As<Napi::String>(), info[2].As<Napi::String>(),
                                   info[3].As<Napi::Number>().Int32Value());
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value DomainState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    Napi::TypeError::New(env, "domainState(uri, uuid)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* w = new StateWorker(env, info[0].As<Napi::String>(), info[1].As<Napi::String>());
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  virSetErrorFunc(nullptr, QuietErrors);
  // Must precede every virConnectOpen for those connections to deliver events.
  virEventRegisterDefaultImpl();
  unsigned long version = 0;
  virGetVersion(&version, nullptr, nullptr);
  exports.Set("libvirtVersion", Napi::Number::New(env, static_cast<double>(version)));
  exports.Set("qemuAgentCommand", Napi::Function::New(env, QemuAgentCommand));
  exports.Set("domainState", Napi::Function::New(env, DomainState));
  exports.Set("subscribe", Napi::Function::New(env, Subscribe));
  exports.Set("unsubscribe", Napi::Function::New(env, Unsubscribe));
  return exports;
}

}  // namespace

NODE_API_MODULE(vmha_libvirt, Init)

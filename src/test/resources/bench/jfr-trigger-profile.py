#!/usr/bin/env python3
"""Per-request CPU (or allocation) breakdown of a JFR recording taken under trigger-http.sh load (issue 22).

  MAVEN_OPTS="-XX:StartFlightRecording=filename=/tmp/http.jfr,settings=profile" bash src/test/resources/bench/trigger-http.sh
  jfr print --events jdk.ExecutionSample --stack-depth 400 /tmp/http.jfr | python3 src/test/resources/bench/jfr-trigger-profile.py cpu
  jfr print --events jdk.ObjectAllocationSample --stack-depth 400 /tmp/http.jfr | python3 src/test/resources/bench/jfr-trigger-profile.py alloc
  jfr print --events jdk.ExecutionSample --stack-depth 400 /tmp/http.jfr | python3 src/test/resources/bench/jfr-trigger-profile.py frames \
      DispatcherServlet.getHandler RequestResponseBodyMethodProcessor.resolveArgument TriggerController.trigger

"frames" prints, for each frame name given (a substring of "package.Class.method"), the share of request-thread
samples with that frame anywhere on the stack (inclusive: callees count).

Samples are cut to the load window (first to last sample on a Tomcat request thread). Each request-thread sample is
attributed to the innermost request stage on its stack (STAGES, tried frame by frame from the leaf)."""
import sys, re, collections
MODE = sys.argv[1] if len(sys.argv) > 1 else 'cpu'
STAGES=[  # innermost (leaf-most) match wins: the list is tried frame by frame from the leaf
 ('post-commit publishing', ('dev.triggerapi.realtime.RunChangePublisher','dev.triggerapi.run.RunChangedEvent','TransactionSynchronization','afterCommit')),
 ('request idempotency', ('dev.triggerapi.trigger.RequestIdempotency',)),
 ('rate limiting', ('dev.triggerapi.ratelimit.',)),
 ('resolver (task metadata)', ('dev.triggerapi.queue.QueueResolver','dev.triggerapi.taskmeta.')),
 ('id generation', ('dev.triggerapi.ids.',)),
 ('JWT minting', ('dev.triggerapi.realtime.PublicAccessTokens','io.jsonwebtoken','com.nimbusds')),
 ('run insert + snapshot (JDBC)', ('dev.triggerapi.run.RunCreator','dev.triggerapi.snapshot.SnapshotAppender','dev.triggerapi.run.RunEngine')),
 ('trigger service (other)', ('dev.triggerapi.trigger.',)),
 ('authentication', ('dev.triggerapi.environment.ApiKeyAuthenticator','dev.triggerapi.api.AuthenticationFilter','dev.triggerapi.environment.')),
 ('request guards (size, encoding, unicode)', ('dev.triggerapi.api.RequestSizeFilter','dev.triggerapi.api.RequestEncodingFilter','dev.triggerapi.api.StrictUnicode')),
 ('transaction management', ('org.springframework.transaction','org.springframework.orm.jpa.JpaTransactionManager')),
 ('metrics (HTTP server timer)', ('io.micrometer','org.springframework.http.server.observation','ServerHttpObservationFilter')),
 ('JSON read/write', ('tools.jackson','com.fasterxml.jackson')),
 ('Spring MVC dispatch', ('org.springframework.web.',)),
 ('Tomcat', ('org.apache.',)),
]
def stage(s):
    for f in s:
        for name,pats in STAGES:
            if any(p in f for p in pats): return name
    return 'other'


def cpu(stdin):
    samples=[]; cur=None; thread=None; times=[]; t=None
    for line in stdin:
        if line.startswith('jdk.ExecutionSample'):
            if cur is not None: samples.append((thread,cur)); times.append(t)
            cur=[]; thread=None
        elif line.startswith('  startTime'):
            hh,mm,ss=line.split('=',1)[1].strip().split(':'); t=int(hh)*3600+int(mm)*60+float(ss)
        elif 'sampledThread' in line:
            thread=line.split('=',1)[1].strip()
        else:
            m=re.match(r'\s+([\w$.<>/]+)\(', line)
            if m and cur is not None: cur.append(m.group(1))
    if cur: samples.append((thread,cur)); times.append(t)
    # keep the load window: from the first to the last sample on a request thread (wrk warm-up + measured run)
    isreq=lambda th: th and 'http-nio' in th and 'exec' in th
    rt=[tt for (th,_),tt in zip(samples,times) if isreq(th)]
    lo,hi=min(rt),max(rt)
    samples=[x for x,tt in zip(samples,times) if lo<=tt<=hi]
    print(f"load window: {hi-lo:.0f} s")
    # request threads: Tomcat's executor threads
    req=[(t,s) for t,s in samples if t and 'http-nio' in t and 'exec' in t]
    other=[(t,s) for t,s in samples if not (t and 'http-nio' in t and 'exec' in t)]
    LIBS=[('JSON (Jackson)',('tools.jackson','com.fasterxml.jackson')),('JDBC driver + pool',('org.postgresql','com.zaxxer.hikari','org.springframework.jdbc')),
     ('Hibernate',('org.hibernate',)),('Redis client',('redis.clients','io.lettuce','org.springframework.data.redis')),('logging',('ch.qos.logback','org.slf4j','org.apache.logging')),
     ('metrics',('io.micrometer',)),('crypto/JWT',('javax.crypto','sun.security','com.sun.crypto','io.jsonwebtoken')),('Tomcat/NIO',('org.apache.','sun.nio','java.nio','sun.net')),
     ('Spring',('org.springframework',)),('application',('dev.triggerapi',)),('JDK',('java.','jdk.','sun.'))]
    def lib(s):
        for f in s[:1]:
            for name,pats in LIBS:
                if f.startswith(pats): return name
        return 'other'
    n=len(req)
    print(f"samples: {len(samples)} total, {n} on request threads ({100*n/max(1,len(samples)):.0f} %)")
    st=collections.Counter(stage(s) for _,s in req)
    print("\nstage | share of request-thread CPU samples")
    for k,v in st.most_common(): print(f"{k} | {100*v/n:.1f} %")
    lb=collections.Counter(lib(s) for _,s in req)
    print("\nleaf library | share")
    for k,v in lb.most_common(): print(f"{k} | {100*v/n:.1f} %")
    ot=collections.Counter(re.sub(r'[-#\d]+$','',(t or '?').split('"')[1] if t and '"' in t else (t or '?')) for t,_ in other)
    print("\nother threads | samples")
    for k,v in ot.most_common(12): print(f"{k} | {v} ({100*v/max(1,len(samples)):.1f} % of all)")


def alloc(stdin):
    ev=[]; cur=None
    def mb(v):
        n,u=v.split(); n=float(n); return n*{'bytes':1,'kB':1e3,'MB':1e6,'GB':1e9}.get(u,1)
    for line in stdin:
        if line.startswith('jdk.ObjectAllocationSample'):
            if cur: ev.append(cur)
            cur={'stack':[]}
        elif cur is None: continue
        elif line.startswith('  startTime'):
            hh,mm,ss=line.split('=',1)[1].strip().split(':'); cur['t']=int(hh)*3600+int(mm)*60+float(ss)
        elif line.startswith('  weight'): cur['w']=mb(line.split('=',1)[1].strip())
        elif line.startswith('  eventThread'): cur['th']=line.split('=',1)[1]
        else:
            m=re.match(r'\s+([\w$.<>/]+)\(', line)
            if m: cur['stack'].append(m.group(1))
    if cur: ev.append(cur)
    req=[e for e in ev if 'http-nio' in e.get('th','') and 'exec' in e.get('th','')]
    lo=min(e['t'] for e in req); hi=max(e['t'] for e in req)
    inwin=[e for e in ev if lo<=e['t']<=hi]
    tot=sum(e['w'] for e in inwin); rq=sum(e['w'] for e in req)
    print(f"window {hi-lo:.0f} s; allocation on request threads {100*rq/tot:.0f} % of all in the window")
    c=collections.Counter()
    for e in req: c[stage(e['stack'])]+=e['w']
    print("stage | share of request-thread allocation")
    for k,v in c.most_common(): print(f"{k} | {100*v/rq:.1f} %")
    N=int(ARGV[1]) if len(ARGV)>1 else 0
    if N: print(f"bytes per request: {rq/N:.0f}")


def frames(stdin):
    samples=[]; cur=None; thread=None
    for line in stdin:
        if line.startswith('jdk.ExecutionSample'):
            if cur is not None: samples.append((thread,cur))
            cur=[]; thread=None
        elif 'sampledThread' in line:
            thread=line.split('=',1)[1]
        else:
            m=re.match(r'\s+([\w$.<>/]+)\(', line)
            if m and cur is not None: cur.append(m.group(1))
    if cur: samples.append((thread,cur))
    req=[s for t,s in samples if t and 'http-nio' in t and 'exec' in t]
    print(f"request-thread samples: {len(req)}")
    for name in ARGV[1:]:
        hits=sum(1 for s in req if any(name in f for f in s))
        print(f"{name} | {100*hits/max(1,len(req)):.1f} %")


ARGV = sys.argv[1:]
{'cpu': cpu, 'alloc': alloc, 'frames': frames}[MODE](sys.stdin)

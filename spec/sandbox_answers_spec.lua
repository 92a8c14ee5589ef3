-- helper.answer: canned sandbox answers reach the SDK as the server's answer.
local helper = require "helper"
local cjson = require "cjson"

describe("helper.answer", function()
  local sb, ugc

  setup(function()
    sb = helper.sandbox()
    ugc = helper.client(sb, { max_retries = 0 })
  end)
  teardown(function()
    ugc:close()
    sb.stop()
  end)

  it("answers getJob with the given data, count times, then the sandbox answers again", function()
    local pending = helper.answer(sb, { operation = "getJob", count = 2, data = {
      id = "job-x", name = cjson.null, created = "2024-05-01T10:00:00.000000Z", metadata = cjson.null,
      state = "RUNNING", progress = { state = "RUNNING", percentage_complete = 40 }, -- the aliases
    } }).pending
    assert.are.equal(1, #pending)
    for _ = 1, 2 do
      local job = assert(ugc.jobs.retrieve("job-x"))
      assert.are.equal("job-x", job.id)
      assert.are.equal("RUNNING", job.state)
      assert.are.equal("RUNNING", job.progress.state)
      assert.are.equal(40, job.progress.percentage_complete)
      assert.is_nil(job.name)
    end
    local job, err = ugc.jobs.retrieve("job-x")
    assert.is_nil(job)
    assert.are.equal("not_found", err.kind)
    assert.are.same({}, helper.control(sb, "GET", "/_sandbox/answers").pending)
  end)

  it("answers with a raw body that the SDK refuses as an error", function()
    helper.answer(sb, { operation = "getJob", body = '{"data": {"getJob": ' })
    local job, err = ugc.jobs.retrieve("job-x")
    assert.is_nil(job)
    assert.is_table(err)
    assert.are.equal("GetJob", err.operation)
  end)
end)
